"""thidua: Excel forms, checks, scoring and consolidation for health-sector union emulation.

Imports stay lazy: the Excel buttons start a fresh Python per click, so `import thidua` must
not pull pandas or openpyxl unless a caller needs them.
"""
__version__ = "0.1.0"

__all__ = ["read_form", "read_plan", "__version__"]


def __getattr__(name):
    if name == "read_form":
        from .read.form import read_form
        return read_form
    if name == "read_plan":
        from .plan.read import read_plan
        return read_plan
    raise AttributeError(name)
