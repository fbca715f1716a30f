"""Every class of bad file gets its own clear Vietnamese message; no traceback reaches a user."""
from __future__ import annotations

import io
import shutil
import zipfile

import pytest
from openpyxl import Workbook, load_workbook

from thidua.cli import main
from thidua.demo.edits import find_table, table_cell
from thidua.errors import FileProblem
from thidua import contract as C
from thidua.read import workbook as wbmod
from thidua.read.form import read_form


def _problem(path) -> FileProblem:
    with pytest.raises(FileProblem) as info:
        read_form(path)
    return info.value


def test_corrupt_and_empty_files(issued, tmp_path):
    truncated = tmp_path / "truncated.xlsx"
    truncated.write_bytes(issued[0].read_bytes()[:4000])
    p = _problem(truncated)
    assert p.code == "corrupt" and "bị hỏng" in p.message and "truncated.xlsx" in p.message
    empty = tmp_path / "empty.xlsx"
    empty.write_bytes(b"")
    assert _problem(empty).code == "corrupt" and "rỗng" in _problem(empty).message
    text = tmp_path / "notes.xlsx"
    text.write_text("không phải Excel", encoding="utf-8")
    assert _problem(text).code == "corrupt"


def test_broken_sheet_xml_inside_a_valid_zip(issued, tmp_path):
    src = zipfile.ZipFile(issued[0])
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        for name in src.namelist():
            data = src.read(name)
            z.writestr(name, data[: len(data) // 2] if name.startswith("xl/worksheets/") else data)
    bad = tmp_path / "halfsheets.xlsx"
    bad.write_bytes(out.getvalue())
    assert _problem(bad).code in ("corrupt", "incomplete_form")


def test_password_protected(issued, tmp_path):
    from msoffcrypto.format.ooxml import OOXMLFile
    enc = tmp_path / "secret.xlsx"
    with open(issued[0], "rb") as src, open(enc, "wb") as out:
        OOXMLFile(src).encrypt("123456", out)
    p = _problem(enc)
    assert p.code == "encrypted" and "mật khẩu" in p.message


def test_old_xls_format(tmp_path):
    # An OLE2 container without encryption streams: what an Excel 97-2003 file looks like to us.
    xls = tmp_path / "cu.xls"
    xls.write_bytes(wbmod.OLE_MAGIC + b"\x00" * 1024)
    p = _problem(xls)
    assert p.code == "old_format" and ".xls" in p.message


def test_not_a_form_and_plan_given_as_form(plan_path, tmp_path):
    other = tmp_path / "baocao.xlsx"
    wb = Workbook()
    wb.active["A1"] = "Báo cáo tự làm"
    wb.save(other)
    p = _problem(other)
    assert p.code == "not_a_form" and "không phải biểu mẫu" in p.message
    p = _problem(plan_path)
    assert p.code == "not_a_form" and "tệp kế hoạch" in p.message


def test_wrong_template_version(issued, tmp_path):
    wb = load_workbook(issued[0])
    table_cell(wb, C.META_TABLE, "template_version", C.VALUE, code_header=C.KEY).value = "0"
    wb.save(tmp_path / "old.xlsx")
    p = _problem(tmp_path / "old.xlsx")
    assert p.code == "wrong_version" and "phiên bản '0'" in p.message


def test_form_with_a_deleted_table(issued, tmp_path):
    wb = load_workbook(issued[0])
    ws, _ = find_table(wb, C.INDICATOR_TABLE)
    del ws.tables[C.INDICATOR_TABLE]
    wb.save(tmp_path / "notable.xlsx")
    p = _problem(tmp_path / "notable.xlsx")
    assert p.code == "incomplete_form" and "trang 'Chỉ tiêu'" in p.message and C.INDICATOR_TABLE not in p.message


def test_lock_file_missing_file_and_folder(issued, tmp_path):
    lock = tmp_path / ("~$" + issued[0].name)
    lock.write_bytes(b"\x0bsomeone" + b"\x00" * 50)
    assert _problem(lock).code == "lock_file"
    assert _problem(tmp_path / "khong-co.xlsx").code == "not_found"
    folder = tmp_path / "thu-muc.xlsx"
    folder.mkdir()
    assert _problem(folder).code == "not_found"


def test_read_bytes_reads_whole_files_of_any_size_and_refuses_past_the_limit(tmp_path):
    for n in (0, 1, 4096, 300_000):
        p = tmp_path / f"f{n}.xlsx"
        p.write_bytes(bytes(range(256)) * (n // 256) + b"x" * (n % 256))
        assert wbmod.read_bytes(p) == p.read_bytes()
    p = tmp_path / "big.xlsx"
    p.write_bytes(b"y" * 5001)
    with pytest.raises(FileProblem) as exc:
        wbmod.read_bytes(p, limit=5000)
    assert exc.value.code == "over_limit"
    assert wbmod.read_bytes(p, limit=5001) == b"y" * 5001


def test_read_bytes_when_the_size_the_system_gives_is_short(tmp_path, monkeypatch):
    # A file that grew after fstat (or a file system that reports 0): everything is read, never
    # more than the limit.
    import os
    p = tmp_path / "grew.xlsx"
    p.write_bytes(b"z" * 10_000)
    real_fstat = os.fstat

    class Short:
        def __init__(self, st):
            self.st_mode, self.st_size = st.st_mode, 100

    monkeypatch.setattr(os, "fstat", lambda fd: Short(real_fstat(fd)))
    assert wbmod.read_bytes(p) == b"z" * 10_000
    assert wbmod.read_bytes(p, limit=10_000) == b"z" * 10_000
    with pytest.raises(FileProblem) as exc:
        wbmod.read_bytes(p, limit=9_999)
    assert exc.value.code == "over_limit"


def test_file_locked_by_another_program(issued, monkeypatch):
    # On Windows a file open in Excel raises PermissionError (sharing violation); root on Linux
    # cannot be refused by permissions, so the OS refusal itself is simulated here.
    import os
    real_open = os.open

    def refusing_open(path, *args, **kwargs):
        if str(path) == str(issued[0]):
            raise PermissionError(13, "Permission denied")
        return real_open(path, *args, **kwargs)

    monkeypatch.setattr(os, "open", refusing_open)
    p = _problem(issued[0])
    assert p.code == "locked" and "đang mở trong Excel" in p.message


def test_macro_workbook_is_read_without_running_anything(issued, tmp_path):
    # A returned file saved as .xlsm with a VBA part: read as data, the VBA is never touched.
    src = zipfile.ZipFile(issued[0])
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        for name in src.namelist():
            if name != "xl/vbaProject.bin":          # issued forms carry a real one: replace it
                z.writestr(name, src.read(name))
        z.writestr("xl/vbaProject.bin", b"\xd0\xcf\x11\xe0 not a real project")
    macro = tmp_path / "co-macro.xlsm"
    macro.write_bytes(out.getvalue())
    assert read_form(macro).unit_code == read_form(issued[0]).unit_code


def test_cli_read_reports_each_bad_file_without_traceback(issued, plan_path, tmp_path, capsys):
    bad = tmp_path / "hong.xlsx"
    bad.write_bytes(b"PK\x03\x04garbage")
    good = tmp_path / "tot.xlsx"
    shutil.copy(issued[0], good)
    code = main(["read", str(good), str(bad), str(plan_path)])
    out, err = capsys.readouterr()
    assert code == 1
    assert "Traceback" not in out + err
    assert "✓ " + str(good) in out
    assert out.count("✗") == 2
    assert main(["read", str(good), str(tmp_path / "khong-co.xlsx")]) == 2      # a missing path: user error
    out, err = capsys.readouterr()
    assert "Không tìm thấy" in err and "khong-co.xlsx" in err and not out
    assert main(["read", "--json", str(good)]) == 0
    import json
    data = json.loads(capsys.readouterr().out)
    assert data[0]["status"] == "ok" and data[0]["period"] == "dot-1"


def test_cli_usage_errors_are_vietnamese(capsys):
    assert main(["forms"]) == 2
    assert "Lệnh chưa đúng" in capsys.readouterr().err
    assert main(["nonsense"]) == 2


def test_file_problems_cross_process_boundaries_intact():
    """Workers send results back pickled: a FileProblem keeps its code, message and path."""
    import pickle
    p = pickle.loads(pickle.dumps(FileProblem("Tệp hỏng.", code="corrupt", path="a.xlsm")))
    assert (type(p), p.code, p.message, p.path, str(p)) == (FileProblem, "corrupt", "Tệp hỏng.", "a.xlsm", "Tệp hỏng.")
