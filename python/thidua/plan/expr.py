"""Derived-field formulas: one expression, two renderings (Python value, Excel formula).

The plan writes `kpcd_da_thu / kpcd_phai_thu`; the form gets a native Excel formula so it works
without Python, and Python evaluates the same tree with the same blank/error semantics:
any operand that is not a number, or a division by zero, gives blank ("" in Excel, None here).
"""
from __future__ import annotations

import ast
from dataclasses import dataclass
from typing import Callable, Mapping

from ..values import format_number_vi

_OPS = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/"}
_ALLOWED = "chỉ dùng mã trường, số, + - * / và ngoặc"

# A real plan formula is a ratio of two fields (~30 characters, 2 levels). Plans and the copy a
# form carries are checked against these limits before anything recursive (parsing, evaluating,
# rendering to Excel) runs, so a tampered formula cannot exhaust the stack or the memory.
MAX_FORMULA_CHARS = 500      # ample for a sum of a dozen fields; keeps the C parser's work small
MAX_FORMULA_DEPTH = 40       # nesting levels of operations/parentheses; evaluation recurses once per level
MAX_FORMULA_NUMBER = 1e15    # a number in a formula is a factor (100, 1000); larger is a typo (or inf)


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
        except (ZeroDivisionError, OverflowError):
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
    if len(src) > MAX_FORMULA_CHARS:
        raise FormulaError(f"công thức dài {len(src)} ký tự, quá giới hạn {MAX_FORMULA_CHARS} ký tự; "
                           f"công thức là phép tính ngắn trên mã trường, ví dụ kpcd_da_thu / kpcd_phai_thu")
    if _paren_depth(src) > MAX_FORMULA_DEPTH:
        raise FormulaError(_too_deep())
    try:
        tree = ast.parse(src, mode="eval").body
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        raise FormulaError(f"không hiểu công thức '{text}'; {_ALLOWED}") from None
    if _depth(tree) > MAX_FORMULA_DEPTH:
        raise FormulaError(_too_deep())
    refs: list[str] = []
    _validate(tree, refs, text)
    return Formula(src, tree, tuple(dict.fromkeys(refs)))


def _too_deep() -> str:
    return f"công thức lồng nhau quá {MAX_FORMULA_DEPTH} tầng phép tính hoặc ngoặc; hãy viết phép tính ngắn hơn"


def _paren_depth(src: str) -> int:
    level = deepest = 0
    for ch in src:
        level += (ch == "(") - (ch == ")")
        deepest = max(deepest, level)
    return deepest


def _depth(tree: ast.AST) -> int:
    """Levels of the expression tree, counted without recursion."""
    deepest, stack = 0, [(tree, 1)]
    while stack:
        node, level = stack.pop()
        deepest = max(deepest, level)
        stack.extend((c, level + 1) for c in ast.iter_child_nodes(node) if isinstance(c, ast.expr))
    return deepest


def _validate(node: ast.AST, refs: list[str], text: str) -> None:
    if isinstance(node, ast.BinOp) and type(node.op) in _OPS:
        _validate(node.left, refs, text)
        _validate(node.right, refs, text)
    elif isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
        _validate(node.operand, refs, text)
    elif isinstance(node, ast.Name):
        refs.append(node.id)
    elif isinstance(node, ast.Constant) and isinstance(node.value, (int, float)) and not isinstance(node.value, bool):
        if not abs(node.value) <= MAX_FORMULA_NUMBER:
            raise FormulaError(f"công thức '{text}' có số quá lớn; số trong công thức không quá "
                               f"{format_number_vi(MAX_FORMULA_NUMBER)}")
    else:
        raise FormulaError(f"công thức '{text}' có phần không được phép; {_ALLOWED}")


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
