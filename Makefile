# Two commands do everything on a fresh machine: `make demo` and `make test`.
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed

# The Excel side (ThiDua.xlam, a sample form) is built from the text sources in xl/ with the
# pinned xlwings; rebuilt when a source changes (the sample form also follows forms/plan code).
EXCEL_OUT := build/excel
EXCEL     := $(EXCEL_OUT)/manifest.json
EXCEL_SRC := $(wildcard xl/*.py xl/ribbon/*.xml xl/vba/*.bas python/thidua/excel/udfs.py \
               python/thidua/forms/*.py python/thidua/contract.py python/thidua/plan/*.py workbook_templates/sample_plan/*.csv)

.PHONY: all install excel demo test bench clean

all: install

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[test]"
	touch $(STAMP)

$(EXCEL): $(STAMP) $(EXCEL_SRC)
	$(PY) -m thidua build-excel -o $(EXCEL_OUT)

excel: $(EXCEL)

install: $(STAMP) $(EXCEL)

demo: $(STAMP) $(EXCEL)
	$(PY) -m thidua demo --out demo_output

test: $(STAMP) $(EXCEL)
	$(PY) -m pytest

bench: $(STAMP) $(EXCEL)
	$(PY) bench/bench_forms.py
	$(PY) bench/bench_check.py
	$(PY) bench/bench_consolidate.py

clean:
	rm -rf $(VENV) demo_output bench/out .pytest_cache $(EXCEL_OUT)
