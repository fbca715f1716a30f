"""Derived-field formulas: one expression, two renderings (Python value, Excel formula).

The plan writes `kpcd_da_thu / kpcd_phai_thu`; the form gets a native Excel formula so it works
without Python, and Python evaluates the same tree with the same blank/error semantics:
any operand that is not a number, or a division by zero, gives blank ("" in Excel, None here).
"""
from __future__ import annotations

import ast
from dataclasses import dataclass
from typing import Callable, Mapping

_OPS = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/"}


class FormulaError(ValueError):
    """The plan's formula text is not a valid expression (message in Vietnamese)."""


@dataclass(frozen=True)
class Formula:
    text: str
    tree: ast.AST
    refs: tuple[str, ...]

    def evaluate(self, values: Mapping[str, object]) -> float | None:
        for ref in self.refs:
            v = values.get(ref)
            if isinstance(v, bool) or not isinstance(v, (int, float)):
                return None
        try:
            return float(_eval(self.tree, values))
        except ZeroDivisionError:
            return None

    def to_excel(self, cell_of: Callable[[str], str]) -> str:
        body = _render(self.tree, cell_of)
        guard = ",".join(f"ISNUMBER({cell_of(r)})" for r in self.refs)
        if not self.refs:
            return f"=IFERROR({body},\"\")"
        cond = guard if len(self.refs) == 1 else f"AND({guard})"
        return f"=IF({cond},IFERROR({body},\"\"),\"\")"


def parse_formula(text: str) -> Formula:
    src = (text or "").strip().lstrip("=")
    if not src:
        raise FormulaError("công thức đang trống")
    try:
        tree = ast.parse(src, mode="eval").body
    except SyntaxError:
        raise FormulaError(f"không hiểu công thức '{text}'; chỉ dùng mã trường, số, + - * / và ngoặc") from None
    refs: list[str] = []
    _validate(tree, refs, text)
    return Formula(src, tree, tuple(dict.fromkeys(refs)))


def _validate(node: ast.AST, refs: list[str], text: str) -> None:
    if isinstance(node, ast.BinOp) and type(node.op) in _OPS:
        _validate(node.left, refs, text)
        _validate(node.right, refs, text)
    elif isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
        _validate(node.operand, refs, text)
    elif isinstance(node, ast.Name):
        refs.append(node.id)
    elif isinstance(node, ast.Constant) and isinstance(node.value, (int, float)) and not isinstance(node.value, bool):
        pass
    else:
        raise FormulaError(f"công thức '{text}' có phần không được phép; chỉ dùng mã trường, số, + - * / và ngoặc")


def _eval(node: ast.AST, values: Mapping[str, object]) -> float:
    if isinstance(node, ast.BinOp):
        a, b = _eval(node.left, values), _eval(node.right, values)
        op = type(node.op)
        if op is ast.Add:
            return a + b
        if op is ast.Sub:
            return a - b
        if op is ast.Mult:
            return a * b
        return a / b
    if isinstance(node, ast.UnaryOp):
        v = _eval(node.operand, values)
        return -v if isinstance(node.op, ast.USub) else v
    if isinstance(node, ast.Name):
        return values[node.id]  # type: ignore[return-value]
    return node.value  # type: ignore[attr-defined]


def _render(node: ast.AST, cell_of: Callable[[str], str]) -> str:
    if isinstance(node, ast.BinOp):
        return f"({_render(node.left, cell_of)}{_OPS[type(node.op)]}{_render(node.right, cell_of)})"
    if isinstance(node, ast.UnaryOp):
        sign = "-" if isinstance(node.op, ast.USub) else "+"
        return f"({sign}{_render(node.operand, cell_of)})"
    if isinstance(node, ast.Name):
        return cell_of(node.id)
    return repr(node.value)  # type: ignore[attr-defined]
