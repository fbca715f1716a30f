"""The official documents (thidua.documents): read back with python-docx (page, margins, fonts,
the header block, page numbers from page 2, every figure equal to the consolidation's), converted
to PDF by LibreOffice, and the first page's layout checked from the PDF's text positions."""
from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest
from docx import Document
from docx.oxml.ns import qn

from support.libreoffice import convert
from thidua.consolidate import awards as AW
from thidua.documents import write_documents
from thidua.documents.format import QUOC_HIEU, TIEU_NGU, date_vi
from thidua.documents.write import INITIATIVES_FIELD, proposed
from thidua.values import format_number_vi, format_percent_vi


@pytest.fixture(scope="module")
def documents(consolidated, workdir):
    c, _ = consolidated
    return c, write_documents(c, workdir / "van_ban")


def text_of(doc) -> str:
    parts = [p.text for p in doc.paragraphs]
    for t in doc.tables:
        for row in t.rows:
            parts.append(" | ".join(cell.text for cell in row.cells))
    return "\n".join(parts)


def by_name(paths, prefix):
    return [p for p in paths if p.name.startswith(prefix)]


def test_every_kind_is_written(documents):
    c, paths = documents
    names = [p.name for p in paths]
    assert any(n.startswith("bao_cao_") for n in names)
    assert any(n.startswith("to_trinh_khen_thuong_") for n in names)
    assert any(n.startswith("quyet_dinh_cong_nhan_") for n in names)
    assert len(by_name(paths, "bien_ban_hop_cum_")) == len(c.clusters)
    assert len(by_name(paths, "thong_bao_")) == len(c.results)


def test_page_margins_fonts_and_page_numbers(documents):
    _, paths = documents
    for path in paths[:4] + paths[-1:]:
        doc = Document(str(path))
        s = doc.sections[0]
        assert (round(s.page_width.mm), round(s.page_height.mm)) == (210, 297), path.name
        assert [round(x.mm) for x in (s.top_margin, s.bottom_margin, s.left_margin, s.right_margin)] == [20, 20, 30, 15]
        for sec in doc.sections[1:]:      # an annex in landscape: same paper, same margins
            assert {round(sec.page_width.mm), round(sec.page_height.mm)} == {210, 297}
            assert round(sec.left_margin.mm) == 30
        fonts = set()
        for p in doc.paragraphs + [p for t in doc.tables for row in t.rows for cell in row.cells for p in cell.paragraphs]:
            for r in p.runs:
                if r.text.strip():
                    fonts.add(r.font.name)
        assert fonts == {"Times New Roman"}, (path.name, fonts)
        # no page number on page 1, a PAGE field in the header of the other pages
        assert s.different_first_page_header_footer
        assert not "".join(p.text for p in s.first_page_header.paragraphs).strip()
        assert "PAGE" in "".join(x.text or "" for x in s.header._element.iter(qn("w:instrText")))


def test_header_block_in_two_columns(documents):
    c, paths = documents
    d = c.plan.document("bao_cao")
    doc = Document(str(by_name(paths, "bao_cao_")[0]))
    block = doc.tables[0]
    left = block.cell(0, 0).text
    right = block.cell(0, 1).text
    assert d.upper in left and d.issuer in left and QUOC_HIEU not in left
    assert QUOC_HIEU in right and TIEU_NGU in right and d.issuer not in right
    issuer = [p for p in block.cell(0, 0).paragraphs if p.text == d.issuer][0]
    assert all(r.bold for r in issuer.runs)
    assert block.cell(1, 0).text == f"Số: …/{d.symbol}"
    date_p = block.cell(1, 1).paragraphs[0]
    assert date_p.text == f"{d.place}, {date_vi(c.created_at.date())}" and all(r.italic for r in date_p.runs)
    assert re.search(r"ngày \d\d tháng \d\d năm \d{4}", date_p.text)
    # the signature block: Nơi nhận on the left, the signer on the right
    sig = doc.tables[-1]
    assert sig.cell(0, 0).text.startswith("Nơi nhận:")
    assert d.authority in sig.cell(0, 1).text and d.signer in sig.cell(0, 1).text


def test_report_figures_are_the_consolidation(documents):
    c, paths = documents
    text = text_of(Document(str(by_name(paths, "bao_cao_")[0])))
    n = lambda x: format_number_vi(x, 0)  # noqa: E731
    assert (f"Có {n(c.n_expected)} CĐCS phải báo cáo; đã nộp {n(c.n_received)} CĐCS (tỷ lệ báo cáo "
            f"{format_percent_vi(c.n_received / c.n_expected, 1)})") in text
    assert f"đúng hạn {n(c.n_on_time)} CĐCS" in text and f"chưa nộp {n(c.n_expected - c.n_received)} CĐCS" in text
    for cc in c.completeness:
        assert f"{cc.name} | {n(cc.n_expected)} | {n(cc.n_received)} | {n(cc.n_on_time)}" in text
    for t in c.targets:
        row = [line for line in text.splitlines() if f"| {t.target.label} |" in line]
        assert row and row[0].endswith(f"| {t.verdict or '—'}"), t.target.code
    total = c.by_kind[-1]
    for code, k in total.counts.items():
        assert f"{c.plan.rating_by_code[code].name} {n(k)} CĐCS" in text
    for dist in c.by_cluster:
        name = c.plan.cluster_by_code[dist.label].name
        cells = " | ".join(n(dist.counts.get(code, 0)) for code in total.counts)
        assert f"{name} | {cells} | {n(dist.not_rated)} | {n(dist.not_reported)}" in text
    for code in c.clusters:
        top = [r for r in c.ranked[code] if r.rank == 1]
        if len(top) == 1:
            assert f"{c.plan.unit(top[0].unit).name} dẫn đầu với {format_number_vi(top[0].ev.total, 2)} điểm" in text
    if INITIATIVES_FIELD in c.plan.field_by_code:
        s = sum(r.ev.values.get(INITIATIVES_FIELD) or 0 for r in c.results.values())
        assert f"có {format_number_vi(s, 0)} sáng kiến" in text
    for level, col, ind in AW.tally_by_level(c.proposals):
        assert f"Cấp {level.lower()} | {n(col)} | {n(ind)}" in text
    assert "SHA" not in text and ".xlsm" not in text
    assert not re.search(r"\d,\d{3}\b", text)        # no English thousands
    doc = Document(str(by_name(paths, "bao_cao_")[0]))
    assert doc.inline_shapes, "the chart image"


def test_award_lists(documents):
    c, paths = documents
    props = proposed(c)
    text = text_of(Document(str(by_name(paths, "to_trinh_khen_thuong_")[0])))
    col = sum(p.target_of == "collective" for p in props)
    ind = len(props) - col
    assert "DANH SÁCH ĐỀ NGHỊ KHEN THƯỞNG" in text
    assert f"I. TẬP THỂ ({format_number_vi(col)} tập thể)" in text
    assert f"II. CÁ NHÂN ({format_number_vi(ind)} cá nhân)" in text
    for t in AW.counts_by_title(c.plan, props):
        if t.proposed:
            assert f"{t.title_name} | " in text and f"| {format_number_vi(t.proposed)}" in text
    for p in props:
        assert (p.person or p.unit_name) in text
    not_proposed = [p for p in c.proposals if not p.proposed and p.person and p.person not in {q.person for q in props}]
    for p in not_proposed[:20]:
        assert f"| {p.person} |" not in text
    qd = text_of(Document(str(by_name(paths, "quyet_dinh_cong_nhan_")[0])))
    assert "DANH SÁCH KÈM THEO" in qd and "QUYẾT ĐỊNH:" in qd
    industry = proposed(c, ("industry",))
    assert f"cho {format_number_vi(sum(p.target_of == 'collective' for p in industry))} tập thể" in qd


def test_meeting_minutes_are_drafts_without_a_record(documents):
    c, paths = documents
    for code in c.clusters:
        path = [p for p in paths if p.name.startswith(f"bien_ban_hop_cum_{code}_")][0]
        text = text_of(Document(str(path)))
        assert ("DỰ THẢO" in text) == (c.review.meeting(code).held_on is None and not c.review.meeting(code).signed)
        for r in c.ranked[code]:
            assert f"{r.rank} | {c.plan.unit(r.unit).name} | {format_number_vi(r.ev.total, 2)}" in text


def test_notice_to_each_unit(documents):
    c, paths = documents
    for unit, r in list(c.results.items())[:10]:
        text = text_of(Document(str([p for p in paths if p.name.startswith(f"thong_bao_{unit}_")][0])))
        assert f"Tổng điểm: {format_number_vi(r.ev.total, 2)}/{format_number_vi(r.ev.max_total, 2)} điểm" in text
        rating = c.plan.rating_by_code[r.rating].name if r.rating else "chưa xếp loại"
        assert f"Xếp loại: {rating}." in text
        if r.rating_reason or r.ev.reason:
            assert (r.rating_reason or r.ev.reason).rstrip(".") in text


def _words(pdf: Path) -> list[tuple[float, float, float, float, str]]:
    html = subprocess.run(["pdftotext", "-f", "1", "-l", "1", "-bbox", str(pdf), "-"], capture_output=True,
                          text=True, check=True).stdout
    page = re.search(r'<page width="([\d.]+)" height="([\d.]+)"', html)
    out = [(float(a), float(b), float(c), float(d), w) for a, b, c, d, w in
           re.findall(r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)</word>', html)]
    return float(page.group(1)), out


def _span(words, phrase):
    """(xMin, yMin, xMax, yMax) of the first run of words spelling `phrase`."""
    parts = phrase.split()
    for i in range(len(words) - len(parts) + 1):
        if [w[4] for w in words[i:i + len(parts)]] == parts:
            got = words[i:i + len(parts)]
            return (min(w[0] for w in got), min(w[1] for w in got), max(w[2] for w in got), max(w[3] for w in got))
    raise AssertionError(f"'{phrase}' not on page 1")


def test_libreoffice_pdf_and_first_page_layout(documents, soffice, tmp_path):
    c, paths = documents
    chosen = paths[:4] + paths[-1:]
    pdfs = convert(chosen, tmp_path, fmt="pdf")
    assert set(pdfs) == set(chosen)
    d = c.plan.document("bao_cao")
    width, words = _words(pdfs[by_name(chosen, "bao_cao_")[0]])
    issuer = _span(words, d.issuer)
    nation = _span(words, QUOC_HIEU)
    assert issuer[2] < nation[0]                                  # left block left of the right block
    upper = _span(words, d.upper)
    assert upper[1] < nation[3] and nation[1] < upper[3]          # side by side: overlapping y
    title = _span(words, "BÁO CÁO")
    assert abs((title[0] + title[2]) / 2 - (width * (30 + 195) / 2 / 210)) < 20      # centred in the text area
    # the signature block on the right half (on the last page of a short document: the notice)
    notice = pdfs[chosen[-1]]
    pages = int(re.search(r"Pages:\s+(\d+)", subprocess.run(["pdfinfo", str(notice)], capture_output=True,
                                                            text=True).stdout).group(1))
    html = subprocess.run(["pdftotext", "-f", str(pages), "-l", str(pages), "-bbox", str(notice), "-"],
                          capture_output=True, text=True, check=True).stdout
    ws = [(float(a), float(b), float(c_), float(d_), w) for a, b, c_, d_, w in
          re.findall(r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)</word>', html)]
    nd = c.plan.document("thong_bao")
    sig = _span(ws, nd.signer_title)
    assert sig[0] > width / 2
    assert _span(ws, "Nơi nhận:")[2] < width / 2


def test_cli_consolidate_writes_the_documents(plan, plan_path, inbox, tmp_path, capsys):
    from support.consolidation import PERIOD
    from thidua.cli import main
    out = tmp_path / "vb"
    main(["consolidate", str(inbox.folder), "--plan", str(plan_path), "--period", PERIOD,
          "-o", str(tmp_path / "tong_hop.xlsx"), "--documents", str(out)])
    said = capsys.readouterr().out
    assert f"văn bản (.docx) vào {out.resolve()}" in said
    report = Document(str(out / f"bao_cao_{PERIOD}.docx"))
    assert "Sơ kết phong trào thi đua" in text_of(report)
    assert (out / "thong_bao").is_dir() and any((out / "thong_bao").glob("*.docx"))


def test_an_industry_template_beside_the_plan_is_used(consolidated, tmp_path):
    """The plan's own template (<plan stem>_mau_van_ban.docx) gives the styles; the page stays A4."""
    import dataclasses
    from thidua.documents.format import build_template, template_for
    from thidua.documents.write import write_report
    c, _ = consolidated
    plan_file = tmp_path / "ke_hoach.xlsx"
    own = build_template(tmp_path / "ke_hoach_mau_van_ban.docx")
    doc = Document(str(own))
    doc.core_properties.title = "Mẫu riêng của ngành"
    doc.save(str(own))
    assert template_for(plan_file) == own
    c2 = dataclasses.replace(c, plan=dataclasses.replace(c.plan, source=str(plan_file)))
    path = write_report(c2, tmp_path / "bc.docx", chart=False)
    d = Document(str(path))
    assert d.core_properties.title == "Mẫu riêng của ngành"
    assert round(d.sections[0].page_width.mm) == 210


def test_a_plan_without_the_documents_table_still_reads_and_a_bad_row_names_its_sheet(tmp_path):
    from openpyxl import load_workbook
    from thidua.errors import PlanDefinitionError
    from thidua.plan.read import read_plan
    from thidua.plan.template import write_plan
    path = write_plan(tmp_path / "kh.xlsx")
    wb = load_workbook(path)
    ws = [w for w in wb.worksheets if "tblDocuments" in w.tables][0]
    first = int(ws.tables["tblDocuments"].ref.split(":")[0][1:]) + 1      # the first data row
    ws[f"A{first}"] = "Công văn"
    wb.save(path)
    with pytest.raises(PlanDefinitionError) as e:
        read_plan(path)
    assert any(p.sheet == ws.title and p.row == first and p.column == "Loại văn bản" for p in e.value.problems)
    del ws.tables["tblDocuments"]
    wb.remove(ws)
    wb.save(path)
    assert read_plan(path).documents == ()


def test_year_report_is_a_tong_ket_and_a_recorded_meeting_is_no_draft(consolidated, tmp_path):
    import dataclasses
    from datetime import date
    from thidua.consolidate.review import Meeting
    from thidua.documents.write import write_meeting, write_report
    c, _ = consolidated
    year = dataclasses.replace(c, period=c.plan.year_period)
    text = text_of(Document(str(write_report(year, tmp_path / "bc.docx", chart=False))))
    assert f"Tổng kết phong trào thi đua năm {c.plan.info.year}" in text and "tạm tính" not in text
    code = c.clusters[0]
    voted = c.ranked[code][0].unit

    class Record:
        def meeting(self, cluster):
            return Meeting(cluster, held_on=date(2027, 1, 5), present="Đại diện các CĐCS", n_present=12, voted=voted,
                           votes=11, signer="Trần Thị Trưởng Cụm")
    held = dataclasses.replace(year, review=Record())
    text = text_of(Document(str(write_meeting(held, code, tmp_path / "bb.docx"))))
    assert "DỰ THẢO" not in text and "Hôm nay, ngày 05 tháng 01 năm 2027" in text
    assert f"Hội nghị biểu quyết {c.plan.unit(voted).name} là đơn vị dẫn đầu cụm với 11 phiếu tán thành." in text
    assert "Trần Thị Trưởng Cụm" in text and f"Họp cụm thi đua {code} — năm {c.plan.info.year}" in text
