"""Real xlwings books without Excel: the remote engine (`xw.Book(json=...)`) that xlwings
Server and xlwings Lite run on, fed the same JSON an Office.js client sends for a real file.

`book_from_file` reads a generated/filled workbook with openpyxl (cached values, Excel Tables,
existing notes) and builds that payload. `apply_actions` plays the actions a macro queued back
onto the payload, like the client does, so a second macro run sees the first one's results.
"""
from __future__ import annotations

import os
from datetime import date, datetime

os.environ.setdefault("XLWINGS_LICENSE_KEY", "noncommercial")

import xlwings as xw  # noqa: E402
from openpyxl import load_workbook  # noqa: E402
from openpyxl.utils.cell import range_boundaries  # noqa: E402


def _cell(v):
    if isinstance(v, datetime):
        return v.isoformat() + ".000Z"
    if isinstance(v, date):
        return datetime(v.year, v.month, v.day).isoformat() + ".000Z"
    return "" if v is None else v


def _table(name, ref, style):
    min_col, min_row, max_col, max_row = range_boundaries(ref)
    from openpyxl.utils import get_column_letter as L
    return {
        "name": name,
        "range_address": ref,
        "header_row_range_address": f"{L(min_col)}{min_row}:{L(max_col)}{min_row}",
        "data_body_range_address": f"{L(min_col)}{min_row + 1}:{L(max_col)}{max_row}",
        "total_row_range_address": None,
        "show_headers": True, "show_totals": False, "table_style": style or "TableStyleLight9",
        "show_autofilter": True, "row_count": max_row - min_row, "column_count": max_col - min_col + 1,
    }


def payload_from_file(path) -> dict:
    wb = load_workbook(path, data_only=True)
    sheets = []
    for ws in wb.worksheets:
        rows = max(ws.max_row, 1)
        cols = max(ws.max_column, 1)
        values = [[_cell(ws.cell(r, c).value) for c in range(1, cols + 1)] for r in range(1, rows + 1)]
        tables = [_table(t.name, t.ref, t.tableStyleInfo.name if t.tableStyleInfo else None) for t in ws.tables.values()]
        notes = [{"address": c.coordinate} for row in ws.iter_rows() for c in row if c.comment is not None]
        sheets.append({"name": ws.title, "values": values, "pictures": [], "tables": tables, "notes": notes,
                       "notes_supported": True, "shapes": [], "charts": [], "show_gridlines": True,
                       "pivot_tables": [], "visibility": "Visible" if ws.sheet_state == "visible" else "Hidden"})
    return {"client": "Office.js", "version": xw.__version__,
            "book": {"name": os.path.basename(str(path)), "active_sheet_index": 0, "selection": "A1"},
            "names": [], "sheets": sheets}


def book_from_file(path):
    return xw.Book(json=payload_from_file(path))


def book_from_payload(payload):
    """A book over a copy: the engine mirrors some changes into its payload as it queues them."""
    import copy
    return xw.Book(json=copy.deepcopy({k: v for k, v in payload.items() if not k.startswith("_")}))


def _addr(a: str) -> str:
    return a.replace("$", "").split("!")[-1]


def _cells(action) -> list[str]:
    from openpyxl.utils import get_column_letter as L
    r0, c0 = action["start_row"], action["start_column"]
    return [f"{L(c0 + j + 1)}{r0 + i + 1}" for i in range(action["row_count"] or 1)
            for j in range(action["column_count"] or 1)]


def apply_actions(payload: dict, actions: list[dict]) -> dict:
    """What the Office.js client does with the actions a macro returned, on a copy of the payload.

    State the payload does not carry (fills, hyperlinks, note texts, alerts) is kept under
    `_fills`, `_links`, note "text" and `_alerts`, for tests to look at.
    """
    import copy
    state = copy.deepcopy(payload)
    state.setdefault("_alerts", [])
    for a in actions:
        func, args = a["func"], a["args"]
        sheets = state["sheets"]
        sheet = sheets[a["sheet_position"]] if a["sheet_position"] is not None else None
        if func == "alert":
            state["_alerts"].append(args[0])
        elif func == "addSheet":
            sheets.insert(args[0], {"name": args[1], "values": [[""]], "pictures": [], "tables": [], "notes": [],
                                    "notes_supported": True, "shapes": [], "charts": [], "show_gridlines": True,
                                    "pivot_tables": [], "visibility": "Visible"})
        elif func == "sheetDelete":
            del sheets[a["sheet_position"]]
        elif func == "setValues":
            grid = sheet["values"]
            for i, row in enumerate(a["values"]):
                r = a["start_row"] + i
                while len(grid) <= r:
                    grid.append([""] * len(grid[0]))
                for j, v in enumerate(row):
                    c = a["start_column"] + j
                    for line in grid:
                        while len(line) <= c:
                            line.append("")
                    grid[r][c] = "" if v is None else v
        elif func == "addTable":
            sheet["tables"].append(_table(args[3], _addr(args[0]), args[2]))
        elif func == "setRangeColor":
            fills = sheet.setdefault("_fills", {})
            for cell in _cells(a):
                if args[0] is None:
                    fills.pop(cell, None)
                else:
                    fills[cell] = args[0]
        elif func == "addNote":
            sheet["notes"].append({"address": _addr(args[0]), "text": args[1]})
        elif func == "deleteNote":
            sheet["notes"] = [n for n in sheet["notes"] if _addr(n["address"]) != _addr(args[0])]
        elif func == "addHyperlink":
            sheet.setdefault("_links", {})[_cells(a)[0]] = args[0]
        else:
            raise AssertionError(f"action not replayed by the test client: {func}")
    return state
