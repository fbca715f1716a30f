"""Which files an input list names. `check` and `consolidate` take folders the same way.

Folders are walked with their subfolders, in a stable order (case-insensitive path). Inside a
folder nothing is followed: a symbolic link (to a file, a folder, a device) or anything that is
not a regular file (a pipe, a device) is listed as such and never opened, so a link cannot pull
a file from elsewhere on the disk into the figures. A path the user typed is taken as given.
A missing path or a folder with nothing in it is refused: a typo must not produce a report
that says every unit failed to report.
"""
from __future__ import annotations

import os
import stat
from dataclasses import dataclass
from pathlib import Path

from ..errors import ThiduaError

FILE, LINK, SPECIAL, EXCLUDED = "file", "link", "special", "excluded"


@dataclass(frozen=True)
class Found:
    path: Path
    kind: str                 # file | link | special | excluded (the run's own output)


def list_inputs(inputs, exclude=()) -> list[Found]:
    """Every entry the inputs name, folders expanded; ThiduaError (exit 2) for a missing path or
    an empty folder."""
    inputs = [Path(x) for x in inputs]
    if not inputs:
        raise ThiduaError("Chưa chỉ thư mục hoặc tệp nào.")
    missing = [str(p) for p in inputs if not os.path.lexists(p)]
    if missing:
        raise ThiduaError("Không tìm thấy " + ", ".join(f"'{m}'" for m in missing)
                          + ". Kiểm tra lại tên thư mục hoặc tệp (có thể gõ sai hoặc thiếu dấu).")
    skip = {_key(x) for x in exclude if x}
    out: list[Found] = []
    seen: set[str] = set()

    def add(path: Path, kind: str) -> None:
        k = _key(path)
        if k in seen:
            return
        seen.add(k)
        out.append(Found(path, EXCLUDED if k in skip else kind))

    for item in inputs:
        if item.is_dir():
            found = _walk(item)
            if not found:
                raise ThiduaError(f"Thư mục '{item}' không có tệp nào. Hãy chép các tệp nhận được vào thư mục "
                                  "này (hoặc chỉ đúng thư mục) rồi chạy lại.")
            for path, kind in found:
                add(path, kind)
        else:
            add(item, FILE if item.is_file() else SPECIAL)
    return out


def _walk(top: Path) -> list[tuple[Path, str]]:
    """(path, kind) below `top`, subfolders included, links never followed."""
    out = []
    stack = [top]
    while stack:
        folder = stack.pop()
        try:
            with os.scandir(folder) as it:
                entries = sorted(it, key=lambda e: e.name.casefold())
        except OSError:
            continue                      # an unreadable subfolder: nothing in it can be read anyway
        subfolders = []
        for e in entries:
            path = Path(e.path)
            try:
                if e.is_symlink():
                    out.append((path, LINK))
                elif e.is_dir(follow_symlinks=False):
                    subfolders.append(path)
                elif stat.S_ISREG(e.stat(follow_symlinks=False).st_mode):
                    out.append((path, FILE))
                else:
                    out.append((path, SPECIAL))
            except OSError:
                out.append((path, SPECIAL))
        stack.extend(reversed(subfolders))
    return sorted(out, key=lambda pk: str(pk[0].relative_to(top)).casefold())


def _key(path) -> str:
    """Same file, however it was written (relative, '..', a link to the folder above)."""
    p = Path(path)
    try:
        return os.path.normcase(str(p.parent.resolve() / p.name))
    except OSError:
        return os.path.normcase(os.path.abspath(p))


def skipped_reason(found: Found) -> str:
    if found.kind == LINK:
        return (f"'{found.path.name}' là liên kết (symlink/shortcut) nên không được đọc: chương trình không đọc "
                "theo liên kết để không lấy nhầm tệp nằm ngoài thư mục. Hãy chép chính tệp biểu mẫu vào thư mục.")
    return (f"'{found.path.name}' không phải tệp thường (thiết bị, đường ống…) nên không được đọc. Hãy chép "
            "chính tệp biểu mẫu vào thư mục.")


def describe(found: list[Found]) -> str:
    """"đã xem 118 tệp trong 3 thư mục" for the summaries."""
    from ..values import format_number_vi
    folders = {str(f.path.parent) for f in found}
    return f"đã xem {format_number_vi(len(found))} tệp trong {format_number_vi(len(folders))} thư mục"
