"""python-docx building blocks of the official format (Nghị định 30/2020/NĐ-CP, Phụ lục I; for
the union, Quyết định 933/QĐ-TLĐ of 2024, which follows it): A4, margins 20/20/30/15 mm, Times
New Roman black, the two-column header block, "Số: …/BC-…" and the place and date, the title and
trích yếu centred in bold, a justified body with a first-line indent, bordered tables, "Nơi
nhận:" and the signature block, page numbers centred in the top margin from page 2 on.

The page setup and styles come from a .docx template staff can change in Word: the package's
mau_van_ban.docx, or an industry's own `<plan stem>_mau_van_ban.docx` beside its plan.
"""
from __future__ import annotations

from datetime import date
from pathlib import Path

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Mm, Pt, RGBColor

FONT = "Times New Roman"
BODY_PT = 14
TABLE_PT = 12
TEMPLATE_NAME = "mau_van_ban.docx"
PACKAGE_TEMPLATE = Path(__file__).with_name(TEMPLATE_NAME)
QUOC_HIEU = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"
TIEU_NGU = "Độc lập - Tự do - Hạnh phúc"
BLACK = RGBColor(0, 0, 0)


def date_vi(d: date) -> str:
    """"ngày 05 tháng 01 năm 2026" (day and month below 10 with a leading zero)."""
    return f"ngày {d.day:02d} tháng {d.month:02d} năm {d.year}"


def template_for(plan_source: str | Path | None) -> Path:
    """The industry's own template beside its plan when there is one, else the package's."""
    if plan_source:
        p = Path(plan_source)
        own = p.with_name(f"{p.stem}_{TEMPLATE_NAME}")
        if own.is_file():
            return own
    if not PACKAGE_TEMPLATE.is_file():
        build_template(PACKAGE_TEMPLATE)
    return PACKAGE_TEMPLATE


def _page_setup(section, landscape: bool = False) -> None:
    section.orientation = WD_ORIENT.LANDSCAPE if landscape else WD_ORIENT.PORTRAIT
    w, h = Mm(210), Mm(297)
    section.page_width, section.page_height = (h, w) if landscape else (w, h)
    section.top_margin = section.bottom_margin = Mm(20)
    section.left_margin, section.right_margin = Mm(30), Mm(15)
    section.header_distance = Mm(10)
    section.footer_distance = Mm(10)


def _set_font(style_or_run, size: float | None = None) -> None:
    font = style_or_run.font
    font.name = FONT
    font.color.rgb = BLACK
    if size:
        font.size = Pt(size)
    rpr = style_or_run.element.get_or_add_rPr()
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        rpr.insert(0, fonts)
    for attr in ("w:ascii", "w:hAnsi", "w:cs", "w:eastAsia"):
        fonts.set(qn(attr), FONT)


def build_template(path: Path) -> Path:
    """The base template: A4 portrait, the margins, Times New Roman 14 pt black (Normal style)."""
    doc = Document()
    _page_setup(doc.sections[0])
    for name in ("Normal", "Header", "Footer", "Table Grid"):
        try:
            _set_font(doc.styles[name], BODY_PT if name != "Table Grid" else TABLE_PT)
        except KeyError:
            pass
    pf = doc.styles["Normal"].paragraph_format
    pf.space_before, pf.space_after, pf.line_spacing = Pt(0), Pt(6), 1.0
    doc.core_properties.title = "Mẫu văn bản (Nghị định 30/2020/NĐ-CP, Phụ lục I)"
    doc.core_properties.author = "thidua"
    path.parent.mkdir(parents=True, exist_ok=True)
    doc.save(path)
    return path


def new_document(template: str | Path | None = None):
    """A document on the template's page setup and styles, its body empty, page numbers set."""
    doc = Document(str(template or template_for(None)))
    body = doc.element.body
    for child in list(body):
        if child.tag != qn("w:sectPr"):
            body.remove(child)
    section = doc.sections[0]
    _page_setup(section)
    page_numbers(section)
    return doc


def _field(paragraph, instr: str) -> None:
    run = paragraph.add_run()
    _set_font(run, BODY_PT)
    for kind, text in (("begin", None), (None, instr), ("separate", None), (None, "2"), ("end", None)):
        if kind:
            el = OxmlElement("w:fldChar")
            el.set(qn("w:fldCharType"), kind)
        elif text == instr:
            el = OxmlElement("w:instrText")
            el.set(qn("xml:space"), "preserve")
            el.text = f" {instr} "
        else:
            el = OxmlElement("w:t")
            el.text = text
        run._r.append(el)


def page_numbers(section) -> None:
    """Page numbers centred in the top margin from page 2 on; page 1's header is empty."""
    section.different_first_page_header_footer = True
    first = section.first_page_header
    first.is_linked_to_previous = False
    for p in first.paragraphs:
        p.text = ""
    header = section.header
    header.is_linked_to_previous = False
    p = header.paragraphs[0] if header.paragraphs else header.add_paragraph()
    p.text = ""
    p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _field(p, "PAGE")


def para(container, text: str = "", *, size: float = BODY_PT, bold: bool = False, italic: bool = False,
         align: str = "justify", indent: bool = True, after: float = 6, before: float = 0):
    """One paragraph in Times New Roman; align: justify | center | left | right."""
    p = container.add_paragraph()
    p.alignment = {"justify": WD_ALIGN_PARAGRAPH.JUSTIFY, "center": WD_ALIGN_PARAGRAPH.CENTER,
                   "left": WD_ALIGN_PARAGRAPH.LEFT, "right": WD_ALIGN_PARAGRAPH.RIGHT}[align]
    pf = p.paragraph_format
    pf.first_line_indent = Cm(1.27) if indent and align == "justify" else None
    pf.space_after, pf.space_before, pf.line_spacing = Pt(after), Pt(before), 1.0
    if text:
        run(p, text, size=size, bold=bold, italic=italic)
    return p


def run(p, text: str, *, size: float = BODY_PT, bold: bool = False, italic: bool = False):
    r = p.add_run(text)
    _set_font(r, size)
    r.bold, r.italic = bold, italic
    return r


def short_line(container, width_cm: float, cell_width_cm: float):
    """A centred line `width_cm` long: an empty paragraph's bottom border between indents."""
    p = container.add_paragraph()
    side = max((cell_width_cm - width_cm) / 2, 0)
    pf = p.paragraph_format
    pf.left_indent = pf.right_indent = Cm(side)
    pf.space_before = pf.space_after = Pt(0)
    pf.line_spacing = Pt(2)
    ppr = p._p.get_or_add_pPr()
    border = OxmlElement("w:pBdr")
    bottom = OxmlElement("w:bottom")
    for k, v in (("w:val", "single"), ("w:sz", "6"), ("w:space", "1"), ("w:color", "000000")):
        bottom.set(qn(k), v)
    border.append(bottom)
    ppr.append(border)
    return p


def _borders(table, on: bool) -> None:
    tblpr = table._tbl.tblPr
    old = tblpr.find(qn("w:tblBorders"))
    if old is not None:
        tblpr.remove(old)
    borders = OxmlElement("w:tblBorders")
    for side in ("top", "left", "bottom", "right", "insideH", "insideV"):
        el = OxmlElement(f"w:{side}")
        el.set(qn("w:val"), "single" if on else "nil")
        if on:
            el.set(qn("w:sz"), "4")
            el.set(qn("w:color"), "000000")
        borders.append(el)
    tblpr.append(borders)


def _widths(table, widths_cm) -> None:
    """Fixed column widths (the grid, each cell, the table's width: Word and LibreOffice both follow)."""
    table.autofit = False
    tblpr = table._tbl.tblPr
    for tag in ("w:tblW", "w:tblLayout"):
        old = tblpr.find(qn(tag))
        if old is not None:
            tblpr.remove(old)
    tblw = OxmlElement("w:tblW")
    tblw.set(qn("w:w"), str(int(sum(widths_cm) * 567)))
    tblw.set(qn("w:type"), "dxa")
    layout = OxmlElement("w:tblLayout")
    layout.set(qn("w:type"), "fixed")
    tblpr.append(tblw)
    tblpr.append(layout)
    for row in table.rows:
        for cell, w in zip(row.cells, widths_cm):
            cell.width = Cm(w)
    for col, w in zip(table.columns, widths_cm):
        col.width = Cm(w)


def _cell(cell):
    """A cell emptied of its first paragraph's spacing; returns the cell for para()."""
    cell._tc.remove(cell.paragraphs[0]._p)
    return cell


def text_width_cm(doc) -> float:
    s = doc.sections[-1]
    return (s.page_width - s.left_margin - s.right_margin) / 360000


def header_block(doc, details, number_text: str, place_date: str, *, upper_left: str | None = None,
                 issuer_left: str | None = None) -> None:
    """The two-column block: left the upper body over the issuer (bold, a short line under it) and
    "Số: …"; right the Quốc hiệu over the tiêu ngữ (a line under it) and the place and date."""
    width = text_width_cm(doc)
    left_w, right_w = 7.0, width - 7.0
    table = doc.add_table(rows=2, cols=2)
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    _borders(table, False)
    _widths(table, (left_w, right_w))
    left, right = _cell(table.cell(0, 0)), _cell(table.cell(0, 1))
    upper = upper_left if upper_left is not None else (details.upper or "")
    if upper:
        para(left, upper.upper(), size=13, align="center", after=0)
    para(left, (issuer_left if issuer_left is not None else details.issuer).upper(), size=13, bold=True,
         align="center", after=0)
    short_line(left, 2.4, left_w)
    para(right, QUOC_HIEU, size=12, bold=True, align="center", after=0)
    para(right, TIEU_NGU, size=14, bold=True, align="center", after=0)
    short_line(right, 6.0, right_w)
    left, right = _cell(table.cell(1, 0)), _cell(table.cell(1, 1))
    para(left, number_text, size=13, align="center", before=6, after=0)
    para(right, place_date, size=14, italic=True, align="center", before=6, after=0)
    para(doc, "", after=6)


def number_text(details) -> str:
    return f"Số: {(details.number or '').strip() or '…'}/{details.symbol}"


def place_date(details, when: date) -> str:
    return f"{details.place}, {date_vi(when)}"


def title(doc, kind: str, summary: str | None = None) -> None:
    para(doc, kind.upper(), size=14, bold=True, align="center", after=0, before=6)
    if summary:
        para(doc, summary, size=14, bold=True, align="center", after=0)
    short_line(doc, 3.0, text_width_cm(doc))
    para(doc, "", after=6)


def heading(doc, text: str):
    return para(doc, text, bold=True, indent=True, after=6)


def table(doc, headers: list[str], rows: list[list], widths_cm: list[float] | None = None, *,
          numeric_from: int = 1):
    """A bordered table, Times New Roman 12 pt, the header row bold; columns from `numeric_from`
    on centred."""
    t = doc.add_table(rows=1, cols=len(headers))
    t.alignment = WD_TABLE_ALIGNMENT.CENTER
    _borders(t, True)
    for i, h in enumerate(headers):
        cell = _cell(t.rows[0].cells[i])
        para(cell, h, size=TABLE_PT, bold=True, align="center", after=0, indent=False)
    _repeat_header(t.rows[0])
    for values in rows:
        cells = t.add_row().cells
        for i, v in enumerate(values):
            cell = _cell(cells[i])
            para(cell, "" if v is None else str(v), size=TABLE_PT, align="center" if i >= numeric_from or i == 0 and
                 numeric_from > 0 else "left", after=0, indent=False)
    if widths_cm:
        _widths(t, widths_cm)
    para(doc, "", after=6)
    return t


def _repeat_header(row) -> None:
    trpr = row._tr.get_or_add_trPr()
    el = OxmlElement("w:tblHeader")
    el.set(qn("w:val"), "true")
    trpr.append(el)


def signature(doc, details, *, recipients: list[str] | None = None, authority: str | None = None,
              signer_title: str | None = None, signer: str | None = None) -> None:
    """"Nơi nhận:" (bold italic 12 pt, list 11 pt) on the left, the signature block on the right."""
    width = text_width_cm(doc)
    t = doc.add_table(rows=1, cols=2)
    _borders(t, False)
    _widths(t, (width / 2, width / 2))
    left, right = _cell(t.cell(0, 0)), _cell(t.cell(0, 1))
    para(left, "Nơi nhận:", size=12, bold=True, italic=True, align="left", after=0, indent=False)
    for line in (details.recipient_list if recipients is None else recipients):
        para(left, f"- {line};" if not line.endswith((";", ".")) else f"- {line}", size=11, align="left",
             after=0, indent=False)
    auth = details.authority if authority is None else authority
    if auth:
        para(right, auth.upper(), size=14, bold=True, align="center", after=0)
    para(right, (signer_title if signer_title is not None else details.signer_title).upper(), size=14, bold=True,
         align="center", after=0)
    for _ in range(4):
        para(right, "", after=0)
    name = details.signer if signer is None else signer
    para(right, name or "", size=14, bold=True, align="center", after=0)


def page_break(doc) -> None:
    p = doc.add_paragraph()
    p.add_run().add_break(WD_BREAK.PAGE)


def landscape_section(doc):
    """A new section, A4 landscape, for a wide annex table; page numbers continue."""
    from docx.enum.section import WD_SECTION
    s = doc.add_section(WD_SECTION.NEW_PAGE)
    _page_setup(s, landscape=True)
    s.different_first_page_header_footer = False
    return s


def picture(doc, path: Path, width_cm: float | None = None) -> None:
    p = para(doc, align="center", indent=False)
    p.add_run().add_picture(str(path), width=Cm(width_cm or min(15.0, text_width_cm(doc))))
