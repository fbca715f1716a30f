"""Where an unexpected failure is written for support: one file per user, never in a shared place.

The log lives in the user's own folder (%LOCALAPPDATA%\\thidua on Windows, $XDG_STATE_HOME/thidua
or ~/.local/state/thidua elsewhere), created private, and is opened without following a
symbolic link: another user cannot plant a link that makes us write over their choice of file.
Standard library only: the Excel buttons import this on every click.
"""
from __future__ import annotations

import os
import stat
import time
import traceback
from pathlib import Path

LOG_NAME = "thidua-loi.log"
MAX_LOG_BYTES = 1024 * 1024          # older entries are dropped beyond this: support needs the last ones


def log_dir() -> Path:
    if os.name == "nt":
        base = os.environ.get("LOCALAPPDATA") or str(Path.home() / "AppData" / "Local")
    else:
        base = os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return Path(base) / "thidua"


def log_path() -> Path:
    return log_dir() / LOG_NAME


def record(text: str) -> Path | None:
    """Append `text` (with the time) to the log; the path written, or None when it could not be."""
    folder = log_dir()
    try:
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        st = os.lstat(folder)
        if not stat.S_ISDIR(st.st_mode) or (hasattr(os, "getuid") and st.st_uid != os.getuid()):
            return None                                  # a link or someone else's folder: do not write
        path = folder / LOG_NAME
        flags = os.O_WRONLY | os.O_CREAT | os.O_APPEND | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_BINARY", 0)
        try:
            if os.lstat(path).st_size > MAX_LOG_BYTES:
                os.replace(path, folder / (LOG_NAME + ".1"))
        except FileNotFoundError:
            pass
        fd = os.open(path, flags, 0o600)
        with os.fdopen(fd, "a", encoding="utf-8") as fh:
            fh.write(f"=== {time.strftime('%Y-%m-%d %H:%M:%S')}\n{text.rstrip()}\n")
        return path
    except OSError:
        return None


def unexpected(context: str = "") -> str:
    """Log the exception being handled; the Vietnamese sentence to show the user."""
    where = record((context + "\n" if context else "") + traceback.format_exc())
    if where is None:
        return "Chương trình gặp sự cố ngoài dự kiến. Hãy chụp màn hình thông báo này gửi bộ phận hỗ trợ."
    return (f"Chương trình gặp sự cố ngoài dự kiến. Chi tiết đã ghi vào {where}; hãy gửi tệp này cho bộ phận "
            "hỗ trợ.")
