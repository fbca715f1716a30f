"""The plan workbook's contract: which Excel Tables it has, their headers and value kinds.

One definition serves the writer (plan template) and the reader (definition checks), so a
header renamed here is renamed everywhere. Headers are Vietnamese because staff edit them;
`key` is the English attribute name used in code.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from ..catalogue import Severity

# Vietnamese labels staff type or pick -> internal codes.
KINDS = {"Công lập": "public", "Ngoài công lập": "non_public"}
APPLIES = {"Tất cả": "all", **KINDS}
YES_NO = {"Có": True, "Không": False}
FIELD_TYPES = {
    "Số": "number",
    "Số nguyên": "integer",
    "Tỷ lệ (%)": "percent",
    "Có/Không": "yes_no",
    "Ngày": "date",
    "Chữ": "text",
    "Công thức": "formula",
}
LEVELS = {"Đơn vị": "unit", "Ngành": "industry"}
COMPARATORS = {"≥": ">=", ">=": ">=", "≤": "<=", "<=": "<=", "=": "=", "Có": "yes", "Khoảng": "range"}
MEASURES = {
    "Tỷ lệ CĐCS đạt": "share_met",          # share of units meeting the unit-level target `ref`
    "Tổng": "sum",                            # sum of field `ref` over units
    "Tỷ lệ xếp loại từ": "share_rating_at_least",  # share of units rated `ref` or better
    "Số CĐCS xếp loại": "count_rating",      # number of units rated exactly `ref`
    "Số CĐCS mới thành lập": "count_new_units",  # units whose "active since" falls in the plan year
    "Không tự động": "manual",               # stated in the plan, judged by people
}
CAMPAIGN_HELP = ("Để trống: dùng cho cả năm (các đợt thường). Ghi mã một đợt cao điểm: chỉ dùng cho đợt đó "
                 "(biểu mẫu, chỉ tiêu, bảng điểm, khen thưởng riêng của đợt), không vào kết quả cả năm.")
# How a field's period figures make the year's (consolidate.year): the plan says it per field.
COMBINE = {"Lấy đợt cuối": "latest", "Cộng các đợt": "sum", "Có nếu có ở một đợt": "any",
           "Có nếu có ở mọi đợt": "all", "Lớn nhất các đợt": "max"}
METHODS = {"Tự chấm": "self", "Đạt/Không đạt": "all_or_nothing", "Theo tỷ lệ đạt": "proportional"}
# Severities follow Excel's data-validation alert styles: Stop / Warning / Information.
SEVERITIES = {s.label: s for s in Severity}
TARGET_OF = {"Cá nhân": "individual", "Tập thể": "collective"}
AWARD_LEVELS = {"Cơ sở": "unit", "Ngành": "industry", "Tỉnh": "province", "Toàn quốc": "national"}
# Discipline forms, mildest first (Luật Viên chức / Bộ luật Lao động); a condition names the
# mildest form that disqualifies.
DISCIPLINE_LEVELS = ("Không", "Khiển trách", "Cảnh cáo", "Hạ bậc lương", "Giáng chức", "Cách chức",
                     "Buộc thôi việc")
CONDITION_KINDS = {
    "Cần đạt danh hiệu": "requires_title",              # Tham số: mã danh hiệu cá nhân
    "Có sáng kiến được công nhận": "needs_initiative",
    "Số ngày nghỉ dưới": "max_days_off",                # Giá trị: số ngày (không tính nghỉ thai sản)
    "Số tháng công tác từ": "min_months",               # Giá trị: số tháng
    "Không bị kỷ luật từ mức": "no_discipline_from",    # Tham số: hình thức kỷ luật
    "Tỷ lệ thành viên đạt danh hiệu trên": "member_share_over",   # Tham số: mã danh hiệu; Giá trị: tỷ lệ
    "Tỷ lệ thành viên đạt danh hiệu từ": "member_share_at_least",
    "Có thành viên đạt danh hiệu": "has_member_title",  # Tham số: mã danh hiệu
    "Không thành viên nào bị kỷ luật từ mức": "members_no_discipline_from",  # Tham số: hình thức kỷ luật
    "CĐCS xếp loại từ": "min_rating",                   # Tham số: mã xếp loại
    "Tổng điểm từ": "min_score",                        # Giá trị: điểm (chấm theo bảng điểm của năm hay của đợt)
    "Đăng ký từ đầu năm": "registered_at_start",        # đăng ký trong bản đăng ký, trước hạn han_dang_ky
}
CHECK_COMPARATORS = {"≤": "<=", "<=": "<=", "≥": ">=", ">=": ">=", "=": "=", "<": "<", ">": ">"}


def label_of(mapping: dict, value) -> str:
    """The first Vietnamese label of an internal code (for writing the plan back)."""
    for label, code in mapping.items():
        if code == value:
            return label
    raise KeyError(value)


@dataclass(frozen=True)
class Column:
    header: str
    key: str
    kind: str = "text"       # text | code | int | number | percent | date | yes_no | choice
    required: bool = True
    choices: dict | None = None
    width: float = 14
    help: str = ""
    optional: bool = False   # a column added in a later version: a plan without it reads it as blank


@dataclass(frozen=True)
class TableSpec:
    name: str                 # Excel Table name: the stable contract
    sheet: str                # sheet title in a fresh plan (staff may rename it)
    title: str                # heading above the table
    csv: str                  # sample data file in workbook_templates/sample_plan
    columns: tuple[Column, ...] = field(default_factory=tuple)
    keyed: bool = True        # the first column is a code unique in the table
    optional: bool = False    # a table added in a later version: a plan without it reads it as empty

    @property
    def headers(self) -> list[str]:
        return [c.header for c in self.columns]


PLAN_INFO = TableSpec(
    "tblPlanInfo", "Kế hoạch", "THÔNG TIN KẾ HOẠCH THI ĐUA", "plan_info.csv",
    (
        Column("Khóa", "key", "code", width=22),
        Column("Nội dung", "label", width=60, required=False),
        Column("Giá trị", "value", width=48, required=False),
    ),
)
CLUSTERS = TableSpec(
    "tblClusters", "Cụm thi đua", "CỤM THI ĐUA", "clusters.csv",
    (
        Column("Mã cụm", "code", "code", width=10),
        Column("Tên cụm", "name", width=56),
        Column("Đơn vị trưởng cụm", "leader", "code", required=False, width=18,
               help="Mã đơn vị trưởng cụm năm nay (phải thuộc cụm)."),
    ),
)
UNITS = TableSpec(
    "tblUnits", "Đơn vị", "DANH SÁCH CÔNG ĐOÀN CƠ SỞ", "units.csv",
    (
        Column("Mã đơn vị", "code", "code", width=11),
        Column("Tên đơn vị", "name", width=52),
        Column("Mã cụm", "cluster", "code", width=9),
        Column("Loại hình", "kind", "choice", choices=KINDS, width=16),
        Column("Hoạt động từ", "active_since", "date", required=False, width=13),
        Column("Sáp nhập", "merged", "yes_no", required=False, width=10),
        Column("Đang hoạt động", "active", "yes_no", width=10),
        Column("Số CNVCLĐ", "workers", "int", required=False, width=11),
        Column("Email", "email", required=False, width=34),
    ),
)
PERIODS = TableSpec(
    "tblPeriods", "Đợt thi đua", "ĐỢT THI ĐUA", "periods.csv",
    (
        Column("Mã đợt", "code", "code", width=12),
        Column("Tên đợt", "name", width=52),
        Column("Từ ngày", "start", "date", width=12),
        Column("Đến ngày", "end", "date", width=12),
        Column("Hạn nộp báo cáo", "deadline", "date", width=15),
        Column("Cao điểm", "peak", "yes_no", required=False, width=10),
    ),
)
FIELDS = TableSpec(
    "tblFields", "Trường số liệu", "CÁC TRƯỜNG SỐ LIỆU CĐCS PHẢI BÁO CÁO", "fields.csv",
    (
        Column("Mã trường", "code", "code", width=22),
        Column("Nhóm", "section", width=28),
        Column("Nội dung", "label", width=56),
        Column("Đơn vị tính", "unit_label", required=False, width=10),
        Column("Kiểu", "type", "choice", choices=FIELD_TYPES, width=12),
        Column("Áp dụng", "applies_to", "choice", choices=APPLIES, width=15),
        Column("Bắt buộc", "required", "yes_no", width=9),
        Column("Nhỏ nhất", "min", "number", required=False, width=9),
        Column("Lớn nhất", "max", "number", required=False, width=9),
        Column("Công thức", "formula", required=False, width=34,
               help="Chỉ với kiểu Công thức: phép tính trên mã trường, ví dụ kpcd_da_thu / kpcd_phai_thu."),
        Column("Lũy kế", "cumulative", "yes_no", required=False, width=8,
               help="Có: số liệu cộng dồn từ đầu năm (Đợt 2 không nhỏ hơn Đợt 1)."),
        Column("Cả năm", "combine", "choice", required=False, choices=COMBINE, width=16, optional=True,
               help="Cách tính số cả năm từ các đợt: Lấy đợt cuối (số lũy kế, số tại thời điểm báo cáo), Cộng các "
                    "đợt (số phát sinh trong từng đợt), Có nếu có ở một đợt / ở mọi đợt (Có/Không), Lớn nhất các đợt. "
                    "Để trống: Có/Không lấy 'Có nếu có ở một đợt', còn lại lấy đợt cuối."),
        Column("Đợt", "period", "code", required=False, width=12, optional=True,
               help=CAMPAIGN_HELP),
        Column("Hướng dẫn", "help", required=False, width=48),
    ),
)
TARGETS = TableSpec(
    "tblTargets", "Chỉ tiêu", "CHỈ TIÊU THI ĐUA", "targets.csv",
    (
        Column("Mã chỉ tiêu", "code", "code", width=20),
        Column("Cấp", "level", "choice", choices=LEVELS, width=9),
        Column("Phạm vi", "scope", required=False, width=12),
        Column("Áp dụng", "applies_to", "choice", choices=APPLIES, width=15),
        Column("Nội dung", "label", width=56),
        Column("Tên ngắn", "short", required=False, width=24, optional=True,
               help="Tên ngắn (khoảng 20–30 ký tự) làm tiêu đề cột trong bảng tổng hợp theo cụm."),
        Column("Trường", "field", "code", required=False, width=20,
               help="Chỉ tiêu cấp đơn vị: mã trường số liệu được so với chỉ tiêu."),
        Column("Cách tổng hợp", "measure", "choice", choices=MEASURES, required=False, width=20,
               help="Chỉ tiêu cấp ngành: cách tính từ số liệu các CĐCS."),
        Column("Tham chiếu", "ref", "code", required=False, width=16),
        Column("Phép so sánh", "comparator", "choice", choices=COMPARATORS, width=11),
        Column("Giá trị", "value", "number", required=False, width=10),
        Column("Mức phấn đấu", "stretch", "number", required=False, width=11),
        Column("Đơn vị tính", "unit_label", required=False, width=10),
        Column("Nguồn", "source", required=False, width=44),
        Column("Đợt", "period", required=False, width=9, optional=True,   # text: narrows to fit the page
               help=CAMPAIGN_HELP),
    ),
)
GROUPS = TableSpec(
    "tblCriteriaGroups", "Nhóm tiêu chí", "NHÓM TIÊU CHÍ CHẤM ĐIỂM", "criteria_groups.csv",
    (
        Column("Mã nhóm", "code", "code", width=10),
        Column("Tên nhóm", "name", width=60),
        Column("Áp dụng", "applies_to", "choice", choices=APPLIES, width=15),
        Column("Điểm tối đa", "max_points", "number", width=11),
        Column("Sàn (%)", "floor", "percent", required=False, width=9,
               help="Nhóm đạt dưới mức này thì không được xếp loại cao nhất."),
        Column("Đợt", "period", "code", required=False, width=12, optional=True,
               help=CAMPAIGN_HELP),
    ),
)
CRITERIA = TableSpec(
    "tblCriteria", "Tiêu chí", "BẢNG CHẤM ĐIỂM", "criteria.csv",
    (
        Column("Mã tiêu chí", "code", "code", width=11),
        Column("Mã nhóm", "group", "code", width=9),
        Column("Nội dung", "label", width=56),
        Column("Điểm chuẩn", "points", "number", width=10),
        Column("Cách chấm", "method", "choice", choices=METHODS, width=15),
        Column("Chỉ tiêu", "target", "code", required=False, width=18),
        Column("Hướng dẫn chấm", "help", required=False, width=48),
    ),
)
RATINGS = TableSpec(
    "tblRatings", "Xếp loại", "NGƯỠNG XẾP LOẠI", "ratings.csv",
    (
        Column("Mã xếp loại", "code", "code", width=11),
        Column("Tên xếp loại", "name", width=34),
        Column("Thứ bậc", "rank", "int", width=8),
        Column("Điểm từ", "min_score", "number", width=9),
        Column("Yêu cầu đạt sàn nhóm", "needs_floor", "yes_no", required=False, width=12),
        Column("Tỷ lệ tối đa", "cap", "percent", required=False, width=10,
               help="Tỷ lệ tối đa số CĐCS được xếp loại này (bỏ trống: không giới hạn)."),
        Column("Ghi chú", "note", required=False, width=40),
    ),
)

CHECKS = TableSpec(
    "tblChecks", "Kiểm tra chéo", "QUY TẮC KIỂM TRA CHÉO GIỮA CÁC TRƯỜNG SỐ LIỆU", "checks.csv",
    (
        Column("Mã quy tắc", "code", "code", width=10),
        Column("Nội dung", "label", width=48),
        Column("Vế trái", "left", width=26,
               help="Mã trường hoặc phép tính trên mã trường, ví dụ kpcd_da_thu."),
        Column("So sánh", "comparator", "choice", choices=CHECK_COMPARATORS, width=9),
        Column("Vế phải", "right", width=26,
               help="Mã trường, số hoặc phép tính, ví dụ kpcd_phai_thu."),
        Column("Mức độ", "severity", "choice", choices=SEVERITIES, width=11,
               help="Lỗi: phải sửa. Cảnh báo: cần xem lại. Thông tin: để biết."),
        Column("Áp dụng", "applies_to", "choice", choices=APPLIES, width=15),
        Column("Hướng dẫn sửa", "help", required=False, width=48),
    ),
)

TITLES = TableSpec(
    "tblTitles", "Danh hiệu", "DANH HIỆU THI ĐUA ĐƯỢC ĐĂNG KÝ", "titles.csv",
    (
        Column("Mã danh hiệu", "code", "code", width=11),
        Column("Tên danh hiệu", "name", width=40),
        Column("Đối tượng", "target_of", "choice", choices=TARGET_OF, width=10),
        Column("Cấp khen", "level", "choice", choices=AWARD_LEVELS, width=10),
        Column("Tỷ lệ tối đa", "cap", "percent", required=False, width=10,
               help="Số được đề nghị không quá tỷ lệ này (bỏ trống: không giới hạn)."),
        Column("Tính trên", "cap_base", "code", required=False, width=11,
               help="Mã danh hiệu làm cơ sở tính tỷ lệ (ví dụ CSTĐCS không quá 15% số đạt LĐTT); "
                    "bỏ trống: tính trên số thành viên đăng ký."),
        Column("Nguồn", "source", width=48),
        Column("Đợt", "period", "code", required=False, width=12, optional=True,
               help=CAMPAIGN_HELP),
    ),
)
CONDITIONS = TableSpec(
    "tblTitleConditions", "Điều kiện danh hiệu", "ĐIỀU KIỆN XÉT DANH HIỆU", "title_conditions.csv",
    (
        Column("Mã điều kiện", "code", "code", width=10),
        Column("Mã danh hiệu", "title", "code", width=11),
        Column("Loại điều kiện", "kind", "choice", choices=CONDITION_KINDS, width=30),
        Column("Tham số", "param", required=False, width=12),
        Column("Giá trị", "value", "number", required=False, width=8),
        Column("Nội dung", "label", width=48),
        Column("Nguồn", "source", width=48),
    ),
)

# Earlier years' results of the multi-year (stage) targets, for years before the tool was used
# (consolidate.programme): one row per target, year and scope.
INDUSTRY_SCOPE = "Ngành"
EARLIER_RESULTS = TableSpec(
    "tblEarlierResults", "Kết quả các năm trước", "KẾT QUẢ CÁC NĂM TRƯỚC CỦA CHỈ TIÊU GIAI ĐOẠN", "earlier_results.csv",
    (
        Column("Mã chỉ tiêu", "target", "code", width=20,
               help="Mã một chỉ tiêu cấp Ngành có Phạm vi là giai đoạn nhiều năm (ví dụ Giai đoạn 2021–2030)."),
        Column("Năm", "year", "int", width=8, help="Một năm của giai đoạn, trước năm thi đua của kế hoạch này."),
        Column("Phạm vi", "scope", width=10,
               help="Ngành (số của toàn ngành) hoặc mã một cụm thi đua (số của cụm đó)."),
        Column("Giá trị", "value", "number", width=10, help="Số đạt được trong năm đó (không cộng dồn các năm)."),
        Column("Nguồn", "source", width=48, help="Văn bản ghi số liệu này, ví dụ báo cáo tổng kết năm."),
    ),
    keyed=False, optional=True,
)

# The official documents' details (thidua.documents): one row per kind of document, the header
# block, number, place, signer and recipients of Nghị định 30/2020/NĐ-CP, Phụ lục I.
DOCUMENT_KINDS = {"Báo cáo": "bao_cao", "Tờ trình": "to_trinh", "Quyết định": "quyet_dinh",
                  "Biên bản": "bien_ban", "Thông báo": "thong_bao"}
DOCUMENTS = TableSpec(
    "tblDocuments", "Văn bản", "THÔNG TIN TRÌNH BÀY VĂN BẢN (BÁO CÁO, TỜ TRÌNH, QUYẾT ĐỊNH, BIÊN BẢN, THÔNG BÁO)",
    "documents.csv",
    (
        Column("Loại văn bản", "kind", "choice", choices=DOCUMENT_KINDS, width=12),
        Column("Cơ quan cấp trên", "upper", required=False, width=34,
               help="Tên cơ quan, tổ chức chủ quản trực tiếp, ví dụ LIÊN ĐOÀN LAO ĐỘNG TỈNH THANH HÓA."),
        Column("Cơ quan ban hành", "issuer", width=30, help="Tên cơ quan ban hành văn bản, ví dụ CÔNG ĐOÀN NGÀNH Y TẾ."),
        Column("Ký hiệu", "symbol", width=14, help="Ký hiệu sau số văn bản, ví dụ BC-CĐNYT (Số: 05/BC-CĐNYT)."),
        Column("Số", "number", required=False, width=8,
               help="Số văn bản; để trống thì văn bản ghi '…' để văn thư điền khi cấp số."),
        Column("Địa danh", "place", width=14, help="Địa danh ghi trước ngày tháng, ví dụ Thanh Hóa."),
        Column("Kính gửi", "addressee", required=False, width=34,
               help="Nơi nhận chính của tờ trình, báo cáo (dòng Kính gửi)."),
        Column("Căn cứ", "basis", required=False, width=48,
               help="Các văn bản làm căn cứ (tờ trình, quyết định), cách nhau bằng dấu chấm phẩy."),
        Column("Thẩm quyền ký", "authority", required=False, width=20,
               help="Ví dụ TM. BAN THƯỜNG VỤ; để trống nếu người đứng đầu ký trực tiếp."),
        Column("Chức vụ người ký", "signer_title", width=16, help="Ví dụ CHỦ TỊCH, PHÓ CHỦ TỊCH."),
        Column("Người ký", "signer", required=False, width=24, help="Họ và tên người ký."),
        Column("Nơi nhận", "recipients", required=False, width=48,
               help="Các nơi nhận, cách nhau bằng dấu chấm phẩy, ví dụ Như trên; Lưu: VT."),
    ),
    optional=True,
)

PLAN_TABLES: tuple[TableSpec, ...] = (
    PLAN_INFO, CLUSTERS, UNITS, PERIODS, FIELDS, TARGETS, GROUPS, CRITERIA, RATINGS, CHECKS, TITLES,
    CONDITIONS, EARLIER_RESULTS, DOCUMENTS,
)
