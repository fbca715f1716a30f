"""One catalogue of what the tool can say about a form or a file: severities and rule codes.

For each rule code: its Vietnamese name (what a person sees in "Quy tắc"), its severity, where
it comes from, how to fix it, and the message template(s) the checks fill in. The findings
table, the form's guide, the README's rule table (`markdown_table`) and the live marks all take
their words from here; a user never sees a bare code as the only label. Codes stay for machines
(JSON, a code column beside the name). Standard library only: the Excel buttons import this.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum


class Severity(str, Enum):
    """Excel's data-validation alert styles: Stop / Warning / Information."""
    ERROR = "lỗi"
    WARNING = "cảnh báo"
    INFO = "thông tin"

    def __str__(self) -> str:
        return self.value

    def __format__(self, spec: str) -> str:
        return format(self.value, spec)

    def __hash__(self) -> int:           # equal to its text, so it hashes like it (dict keys, Counter)
        return hash(self.value)

    @property
    def label(self) -> str:
        return self.value[0].upper() + self.value[1:]

    @property
    def rank(self) -> int:
        return _ORDER.index(self)

    @property
    def excel_style(self) -> str:
        return {"lỗi": "Stop", "cảnh báo": "Warning", "thông tin": "Information"}[self.value]

    @property
    def fill(self) -> str:
        """The colour the Kiểm tra button gives a cell with such a finding."""
        return {"lỗi": "#FFC7CE", "cảnh báo": "#FFEB9C", "thông tin": "#DDEBF7"}[self.value]

    @property
    def colour_word(self) -> str:
        return {"lỗi": "đỏ", "cảnh báo": "vàng", "thông tin": "xanh"}[self.value]

    @property
    def meaning(self) -> str:
        return {"lỗi": "phải sửa trước khi gửi",
                "cảnh báo": "cần xem lại, nếu số liệu đúng thì giữ nguyên và giải thích ở cột Ghi chú hoặc "
                            "Diễn giải",
                "thông tin": "để biết, không phải sửa"}[self.value]


_ORDER = (Severity.ERROR, Severity.WARNING, Severity.INFO)
SEVERITIES = _ORDER
E, W, I = Severity.ERROR, Severity.WARNING, Severity.INFO   # noqa: E741 (local shorthand for the table below)

# Where a rule comes from (the "lấy từ" column).
FROM_FILE = "tệp nhận về"
FROM_FORM = "biểu mẫu"
FROM_FIELDS = "kế hoạch: bảng Trường số liệu"
FROM_TARGETS = "kế hoạch: bảng Chỉ tiêu"
FROM_SCORES = "kế hoạch: bảng Chấm điểm"
FROM_PERIODS = "kế hoạch: bảng Đợt thi đua"
FROM_TITLES = "kế hoạch: bảng Danh hiệu, Điều kiện danh hiệu"
FROM_CHECKS = "kế hoạch: bảng Kiểm tra chéo"
FROM_PLAN = "kế hoạch kèm biểu mẫu"


@dataclass(frozen=True)
class Rule:
    code: str
    name: str                         # Vietnamese, short: what "Quy tắc" shows
    severity: Severity
    source: str
    fix: str                          # how to fix it, in general words
    templates: dict[str, str] = field(default_factory=dict)   # variant -> str.format template

    def message(self, variant: str = "", **params) -> str:
        return self.templates[variant].format(**params)


def _r(code, name, severity, source, fix, template=None, **variants) -> Rule:
    templates = dict(variants)
    if template is not None:
        templates[""] = template
    return Rule(code, name, severity, source, fix, templates)


_RULES = (
    # --- the file as a whole (read.workbook, read.preflight, read.batch) -------------------------
    _r("not_found", "Không tìm thấy tệp", E, FROM_FILE, "kiểm tra lại đường dẫn, tên tệp"),
    _r("lock_file", "Tệp tạm của Excel", I, FROM_FILE, "bỏ qua: tệp tự mất khi đóng Excel"),
    _r("locked", "Tệp đang bị khóa", E, FROM_FILE, "đóng tệp trong Excel rồi thử lại"),
    _r("encrypted", "Tệp có mật khẩu", E, FROM_FILE, "bỏ mật khẩu mở tệp, lưu lại rồi gửi lại"),
    _r("old_format", "Tệp Excel 97–2003", E, FROM_FILE, "nhập vào đúng biểu mẫu .xlsm được gửi"),
    _r("not_xlsx", "Không phải tệp Excel có bảng", E, FROM_FILE, "lưu lại dạng .xlsm rồi gửi lại"),
    _r("corrupt", "Tệp hỏng", E, FROM_FILE, "mở thử trong Excel, gửi lại bản lưu khác"),
    _r("not_a_form", "Không phải biểu mẫu", E, FROM_FILE, "nhập số liệu vào biểu mẫu được cấp"),
    _r("not_regular_file", "Liên kết, không phải tệp", E, FROM_FILE, "chép chính tệp biểu mẫu vào thư mục"),
    _r("wrong_version", "Phiên bản biểu mẫu khác", E, FROM_FILE, "nhập vào biểu mẫu mới được cấp"),
    _r("incomplete_form", "Biểu mẫu thiếu bảng hoặc cột", E, FROM_FILE, "dùng lại biểu mẫu gốc"),
    _r("over_limit", "Vượt giới hạn an toàn", E, FROM_FILE, "xóa ảnh, trang, dòng thừa rồi lưu và gửi lại"),
    _r("unsafe_xml", "Tệp có khai báo nguy hiểm", E, FROM_FILE, "nhập lại vào biểu mẫu gốc"),
    _r("bad_reference", "Địa chỉ ô không hợp lệ", E, FROM_FILE, "nhập lại vào biểu mẫu gốc"),
    _r("reader_crashed", "Làm bộ đọc dừng đột ngột", E, FROM_FILE, "mở tệp trong Excel, lưu lại rồi gửi lại"),
    _r("reader_timeout", "Đọc quá lâu", E, FROM_FILE, "mở tệp trong Excel, lưu lại rồi gửi lại"),
    _r("internal_error", "Sự cố của chương trình", E, FROM_FILE, "gửi tệp và nhật ký sự cố cho bộ phận hỗ trợ"),
    _r("no_plan", "Không dùng được quy định kèm biểu mẫu", E, FROM_PLAN,
       "dùng biểu mẫu gốc được phát, hoặc kiểm tra với tệp kế hoạch (--plan)"),
    _r("blank_form", "Biểu mẫu chưa điền", E, FROM_FORM, "điền số liệu vào biểu mẫu rồi gửi lại"),
    _r("registration_book", "Bản đăng ký đầu năm, không phải báo cáo đợt", E, FROM_FILE,
       "tổng hợp bản đăng ký bằng lệnh thidua register consolidate; báo cáo đợt nhập vào biểu mẫu của đợt"),
    # --- what the reader finds in the form (read.form) -------------------------------------------
    _r("unparseable", "Ô không đọc được", E, FROM_FORM, "nhập đúng kiểu: số, ngày, Có/Không",
       "Trang '{sheet}', ô {cell} ({label}): {note}"),
    _r("row_without_code", "Số liệu ở dòng không có mã", W, FROM_FORM, "nhập vào đúng dòng có sẵn của bảng",
       "Trang '{sheet}', ô {cell}: dòng không có mã nên số liệu không được tính. Hãy nhập số liệu vào đúng "
       "dòng có sẵn của bảng."),
    _r("unknown_code", "Mã không có trong kế hoạch", W, FROM_FORM, "dùng biểu mẫu gốc",
       "Trang '{sheet}', ô {cell}: mã '{code}' không có trong kế hoạch."),
    _r("duplicate_code", "Mã lặp lại", E, FROM_FORM, "xóa dòng lặp",
       "Trang '{sheet}', ô {cell}: mã '{code}' xuất hiện hai lần; chỉ dòng đầu được tính."),
    _r("row_below_table", "Dòng nhập ngay dưới bảng", W, FROM_FORM, "kéo góc bảng xuống cho bảng bao cả dòng",
       "Trang '{sheet}', dòng {row} ({where}) nằm ngay dưới bảng nên chưa thuộc bảng (LibreOffice, WPS không tự "
       "mở rộng bảng khi gõ bên dưới). Chương trình vẫn đọc dòng này như một dòng của bảng; để chắc chắn, hãy kéo "
       "góc dưới bên phải của bảng xuống cho bảng bao cả dòng này, hoặc chèn thêm dòng ở giữa bảng."),
    _r("identity_changed", "Thông tin đơn vị không khớp", E, FROM_FORM,
       "không sửa ô đã khóa; dùng biểu mẫu gốc được phát cho đơn vị",
       "{where}: thông tin nhận dạng của biểu mẫu (đơn vị {unit}) không khớp — {what}. Biểu mẫu đã bị sửa hoặc "
       "không phải biểu mẫu được phát cho đơn vị này.{why} Không sửa các ô đã khóa; hãy dùng biểu mẫu gốc được "
       "phát cho đơn vị."),
    _r("targets_changed", "Chỉ tiêu bị sửa", E, FROM_FORM, "dùng biểu mẫu gốc; khi tổng hợp chỉ tiêu lấy từ kế hoạch",
       "Trang '{sheet}', ô {cell} ({label}): chỉ tiêu {target} đang ghi '{now}', khác chỉ tiêu khi phát "
       "'{issued}' (cột {columns}){why}. {tail}",
       unlocated="Trang '{sheet}': chỉ tiêu trong biểu mẫu khác với chỉ tiêu khi phát hành (có thể đã bị sửa). {tail}",
       removed="Trang '{sheet}': dòng chỉ tiêu {target} ({label}) đã bị xóa khỏi bảng. {tail}",
       digest="Trang '{sheet}': dấu kiểm chỉ tiêu của biểu mẫu không khớp (phần thông tin ẩn của biểu mẫu đã bị "
              "sửa). {tail}"),
    _r("other_plan", "Biểu mẫu của kế hoạch khác", E, FROM_FORM, "dùng biểu mẫu của kế hoạch năm nay",
       "Biểu mẫu thuộc kế hoạch '{form_plan}', không phải kế hoạch '{plan}'."),
    _r("plan_changed", "Kế hoạch đã đổi sau khi phát", W, FROM_FORM, "không cần sửa; chỉ tiêu lấy theo kế hoạch hiện hành",
       "{what}. Số liệu vẫn được đọc, chỉ tiêu lấy theo kế hoạch hiện hành."),
    _r("unknown_unit", "Đơn vị không có trong kế hoạch", E, FROM_FORM, "dùng biểu mẫu được phát cho đơn vị",
       "Mã đơn vị '{unit}' không có trong danh sách đơn vị của kế hoạch."),
    # --- the checks (check.engine) ---------------------------------------------------------------
    _r("interpreted", "Đã hiểu cách viết số", I, FROM_FORM, "không cần sửa nếu đúng; nên nhập chỉ con số",
       "{at}: {note}. Nếu đúng thì không cần sửa; nên nhập chỉ con số."),
    _r("missing_row", "Biểu mẫu thiếu dòng", E, FROM_FORM, "dùng biểu mẫu gốc",
       field="Biểu mẫu thiếu dòng '{label}' (mã {code}) trong bảng số liệu. Hãy dùng biểu mẫu gốc.",
       criterion="Bảng chấm điểm thiếu tiêu chí {code} ({label}). Hãy dùng biểu mẫu gốc."),
    _r("required", "Ô bắt buộc để trống", E, FROM_FIELDS, "nhập số liệu (ghi 0 nếu không có) hoặc chọn Có/Không",
       "{at}: ô bắt buộc đang để trống; hãy {how}."),
    _r("out_of_range", "Ngoài khoảng cho phép", E, FROM_FIELDS, "nhập lại trong khoảng cho phép",
       low="{at}: {value} nhỏ hơn mức cho phép {limit}; hãy nhập lại.",
       high="{at}: {value} lớn hơn mức cho phép {limit}; hãy nhập lại."),
    _r("date_outside_period", "Ngày ngoài kỳ báo cáo", E, FROM_FIELDS, "kiểm tra lại ngày, tháng, năm",
       "{at}: ngày {value} nằm ngoài kỳ báo cáo ({start} – {end}); hãy kiểm tra lại ngày, tháng, năm."),
    _r("consistency", "Kiểm tra chéo", W, FROM_CHECKS, "sửa số liệu cho khớp, hoặc ghi lý do",
       "{where}: {left} {broken} {right_label} ({right}), trái quy tắc '{label}'.{how}"),
    _r("target_not_met", "Chưa đạt chỉ tiêu", W, FROM_TARGETS, "nếu số liệu đúng, ghi lý do ở cột Ghi chú",
       "{at}: chưa đạt chỉ tiêu '{label}' ({wanted}); số liệu hiện là {value}. Nếu số liệu đúng, ghi lý do ở "
       "cột Ghi chú."),
    _r("target_below_stretch", "Chưa đạt mức phấn đấu", I, FROM_TARGETS, "không cần sửa",
       "{at}: đạt mức tối thiểu của chỉ tiêu '{label}' ({wanted}), chưa đạt mức phấn đấu {stretch}."),
    _r("cumulative_decrease", "Số lũy kế giảm", E, FROM_FIELDS, "số lũy kế phải cộng cả số của đợt trước",
       "{at}: số liệu lũy kế từ đầu năm là {value}, nhỏ hơn số đã báo cáo đợt trước ({before}). Số lũy kế phải "
       "cộng cả số của đợt trước."),
    _r("upper_score_by_unit", "Đơn vị ghi vào cột cấp trên chấm", E, FROM_FORM,
       "xóa giá trị ở cột Cấp trên chấm: cột này do cấp trên chấm",
       "Trang '{sheet}', ô {cell} (tiêu chí {code}): cột “Cấp trên chấm” do cấp trên (cụm, ngành) chấm khi tổng "
       "kết cuối năm, đơn vị không điền; giá trị {value} ở ô này không được tính. Hãy xóa giá trị trong ô này "
       "(điểm của đơn vị ghi ở cột “Tự chấm”)."),
    _r("score_out_of_range", "Điểm ngoài điểm chuẩn", E, FROM_SCORES, "chấm trong khoảng 0 – điểm chuẩn",
       "Trang '{sheet}', ô {cell} (tiêu chí {code}): điểm {who} {value} ngoài khoảng 0 – {points} (điểm chuẩn); "
       "hãy chấm lại."),
    _r("self_score_blank", "Chưa tự chấm", W, FROM_SCORES, "ghi điểm tự chấm",
       "Trang '{sheet}', ô {cell} (tiêu chí {code}): chưa tự chấm; tiêu chí tự chấm để trống được tính 0 điểm."),
    _r("no_explanation", "Tự chấm chưa diễn giải", W, FROM_SCORES, "ghi diễn giải, minh chứng",
       "Trang '{sheet}', ô {cell} (tiêu chí {code}): có điểm tự chấm {value} nhưng chưa có diễn giải; hãy ghi "
       "diễn giải, minh chứng."),
    _r("report_info_blank", "Chưa ghi người hoặc ngày báo cáo", W, FROM_FORM, "ghi để cấp trên liên hệ khi cần",
       "{at}: chưa ghi {what}; hãy ghi để cấp trên liên hệ khi cần."),
    _r("report_date_implausible", "Ngày báo cáo không hợp lý", W, FROM_PERIODS, "kiểm tra lại ngày, tháng, năm",
       "{at}: {why}. Hãy kiểm tra lại ngày, tháng, năm (nhập dạng ngày/tháng/năm, ví dụ 05/07/{year}). Khi tổng "
       "hợp, ngày này không được dùng để xét đúng hạn hay chọn bản nộp."),
    _r("report_late", "Nộp muộn", I, FROM_PERIODS, "không cần sửa",
       "{at}: ngày báo cáo {value} sau hạn nộp {deadline}; báo cáo được ghi nhận là nộp muộn."),
    _r("initiatives_unlisted", "Thiếu danh sách sáng kiến", W, FROM_FORM, "ghi đủ danh sách sáng kiến",
       "{at}: báo cáo {count} sáng kiến nhưng trang '{list_sheet}' mới liệt kê {listed}; hãy ghi đủ danh sách sáng "
       "kiến."),
    _r("member_duplicate", "Thành viên trùng", E, FROM_FORM, "xóa dòng trùng",
       "Trang '{sheet}', ô {cell}: {person} ({department}) ở dòng {row} trùng với dòng {first}; mỗi người chỉ "
       "đăng ký một lần, hãy xóa dòng trùng."),
    _r("title_unknown", "Danh hiệu không có trong kế hoạch", E, FROM_TITLES, "chọn danh hiệu trong danh sách",
       "{where}: '{title}' không phải danh hiệu cá nhân của kế hoạch; hãy chọn trong danh sách."),
    _r("title_ineligible", "Chưa đủ điều kiện danh hiệu", W, FROM_TITLES,
       "kiểm tra lại số liệu hoặc đổi danh hiệu đăng ký",
       "{where}: đăng ký {title} nhưng chưa đủ điều kiện: {reasons}. Kiểm tra lại số liệu hoặc đổi danh hiệu "
       "đăng ký."),
    _r("title_over_cap", "Vượt tỷ lệ tối đa", I, FROM_TITLES, "không cần sửa; thứ tự dòng là thứ tự ưu tiên",
       "{where}: {title} — {note}."),
    _r("collective_ineligible", "Tập thể chưa đủ điều kiện", W, FROM_TITLES, "kiểm tra lại điều kiện danh hiệu",
       "Trang '{sheet}', ô {cell}: đăng ký {title} nhưng chưa đủ điều kiện: {reasons}."),
    _r("pledge_below_plan", "Giao ước thấp hơn chỉ tiêu", E, FROM_TARGETS, "cam kết bằng hoặc cao hơn chỉ tiêu",
       yes="{where}: chỉ tiêu kế hoạch là 'Có', mức cam kết phải là 'Có'.",
       number="{where}: mức cam kết {value} thấp hơn chỉ tiêu kế hoạch {target}; hãy cam kết bằng hoặc cao hơn."),
    _r("pledge_unreadable", "Giao ước không đọc được", E, FROM_FORM, "nhập một số", "{where}: {note}."),
    _r("pledge_not_met", "Chưa đạt mức giao ước", W, FROM_TARGETS, "không cần sửa nếu đúng",
       "{at}: đạt chỉ tiêu kế hoạch nhưng chưa đạt mức đơn vị đã cam kết ({pledge}); số liệu hiện là {value}."),
    _r("needs_button", "Ô có chữ, cần bấm Kiểm tra", W, FROM_FORM,
       "nhập chỉ con số, ngày hoặc Có/Không; hoặc bấm Kiểm tra để chương trình đọc",
       "{at}: ô này cần {what} nhưng đang có chữ, nên biểu mẫu chưa tự tính được ô này và các kết quả dựa vào nó. "
       "Hãy nhập chỉ {what} (ví dụ 1234, không ghi kèm chữ), hoặc bấm nút Kiểm tra trên thẻ Thi đua để chương "
       "trình đọc cách viết này."),
    _r("registration_added", "Thêm danh hiệu sau hạn đăng ký", W, FROM_TITLES,
       "nếu đã đăng ký đúng hạn, gửi cấp trên bản đăng ký đầu năm; nếu không, xóa danh hiệu này",
       "{where}: {title} không có trong bản đăng ký thi đua đầu năm của đơn vị; đơn vị thêm ở biểu mẫu này "
       "({when}), sau hạn đăng ký {deadline}, nên được ghi nhận là thay đổi sau hạn{consequence}. Nếu đơn vị đã "
       "đăng ký đúng hạn, hãy gửi cấp trên bản đăng ký đầu năm; nếu không, hãy xóa danh hiệu này.",
       no_book="{where}: đơn vị chưa nộp bản đăng ký thi đua đầu năm (hạn {deadline}) nên {title} ghi ở biểu mẫu "
               "này ({when}) được ghi nhận là đăng ký sau hạn{consequence}. Nếu đơn vị đã nộp bản đăng ký đúng hạn, "
               "hãy gửi lại bản đó cho cấp trên."),
    _r("registration_removed", "Bỏ danh hiệu đã đăng ký", I, FROM_TITLES,
       "nếu bỏ nhầm, ghi lại danh hiệu đã đăng ký",
       "{where}: {who}{title} đã đăng ký trong bản đăng ký thi đua đầu năm nhưng không còn trong biểu mẫu này "
       "({when}); cấp trên ghi nhận là bỏ đăng ký sau hạn {deadline} và không xét danh hiệu này. Nếu bỏ nhầm, "
       "hãy ghi lại {what}."),
)
RULES: dict[str, Rule] = {r.code: r for r in _RULES}


def rule(code: str) -> Rule:
    """The rule of a code; a code of the plan's own consistency checks (tblChecks, e.g. KT02) is a
    'Kiểm tra chéo' rule (its name and severity come from the plan: see name_of)."""
    return RULES.get(code) or RULES["consistency"]


def name_of(code: str, plan=None) -> str:
    """The Vietnamese name for a rule code: the catalogue's, or the plan check's own label."""
    if code in RULES:
        return RULES[code].name
    if plan is not None:
        for check in getattr(plan, "checks", ()):
            if check.code == code:
                return f"Kiểm tra chéo: {check.label}"
    return f"Kiểm tra chéo {code}"


def message(code: str, variant: str = "", **params) -> str:
    return RULES[code].message(variant, **params)


def markdown_table() -> str:
    """The README's rule table (a test holds the README to it)."""
    rows = ["| quy tắc | mã | mức độ | lấy từ | cách sửa |", "|---|---|---|---|---|"]
    for r in _RULES:
        rows.append(f"| {r.name} | `{r.code}` | {r.severity} | {r.source} | {r.fix} |")
    return "\n".join(rows)


def severity_legend() -> str:
    """What each severity asks of the unit, in one sentence (the findings workbook's note)."""
    return "; ".join(f"{s} — {s.meaning}" for s in SEVERITIES) + "."


def severity_lines() -> list[str]:
    """What the colours of the Kiểm tra marks mean (the form's guide)."""
    return [f"Ô tô màu {s.colour_word}: {s.value} — {s.meaning}." for s in SEVERITIES]
