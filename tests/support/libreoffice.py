"""Drive LibreOffice headless: open workbooks, recalculate every formula, save the results.

One soffice call per batch (start-up costs about a second), a private profile per session so
parallel runs do not share state, and a profile setting that forces recalculation on load
(by default LibreOffice may trust cached values; files written by openpyxl have none).
"""
from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

_RECALC_ALWAYS = """<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry" xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="OOXMLRecalcMode" oor:op="fuse"><value>0</value></prop></item>
<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="ODFRecalcMode" oor:op="fuse"><value>0</value></prop></item>
</oor:items>
"""
_PROFILE: Path | None = None
BATCH = 60          # files per soffice call: one long call has been seen to stop part-way (about 250 forms)


def find_soffice() -> str | None:
    return shutil.which("soffice") or shutil.which("libreoffice")


def _profile() -> Path:
    global _PROFILE
    if _PROFILE is None:
        _PROFILE = Path(tempfile.mkdtemp(prefix="thidua-lo-profile-"))
        user = _PROFILE / "user"
        user.mkdir(parents=True)
        (user / "registrymodifications.xcu").write_text(_RECALC_ALWAYS, encoding="utf-8")
    return _PROFILE


def convert(paths, out_dir, fmt: str = "xlsx:Calc MS Excel 2007 XML", infilter: str | None = None,
            timeout: int = 900) -> dict[Path, Path]:
    """Open each file in LibreOffice, recalculate, save as `fmt` into out_dir; {source: result}.

    Files with the same name from different folders go in separate calls (results share out_dir).
    Raises AssertionError naming the files LibreOffice did not produce.
    """
    exe = find_soffice()
    if exe is None:
        raise AssertionError("LibreOffice (soffice) is not installed")
    out_dir = Path(out_dir)
    ext = fmt.split(":")[0]
    batches: list[list[Path]] = []
    for p in map(Path, paths):
        for batch in batches:
            if len(batch) < BATCH and all(q.stem != p.stem for q in batch):
                batch.append(p)
                break
        else:
            batches.append([p])
    result: dict[Path, Path] = {}
    for i, batch in enumerate(batches):
        target = out_dir if len(batches) == 1 else out_dir / f"b{i}"
        target.mkdir(parents=True, exist_ok=True)
        cmd = [exe, f"-env:UserInstallation={_profile().as_uri()}", "--headless", "--norestore",
               "--convert-to", fmt, "--outdir", str(target)]
        if infilter:
            cmd.insert(-4, f"--infilter={infilter}")
        cmd += [str(p) for p in batch]
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
        missing = []
        for p in batch:
            out = target / f"{p.stem}.{ext}"
            if out.exists():
                result[p] = out
            else:
                missing.append(p.name)
        if missing:
            raise AssertionError(f"LibreOffice did not convert {missing}: {proc.stdout}\n{proc.stderr}")
    return result
