"""Sample budget disclosure workbooks (Circular 343/2016/TT-BTC style), one per report.

Files: ``budget/cong_khai_ngan_sach_{year}_{period}.xlsx`` for the years 2021..2024 and
two report periods: ``6T`` (cumulative execution January-June, published mid-year) and
``12T`` (estimated execution of the whole year, published the following January):
8 workbooks. The estimates of a year are the same in its ``6T`` and ``12T`` files.

Sheets of each workbook, in this order:

- ``Toàn thành phố``: the whole city, amounts in **tỷ đồng** with at most one decimal;
- ``Khối thành phố``: what city-level agencies collect and spend, in **triệu đồng**;
- one sheet per legacy district (30), titled with the district's short name
  (``Hoàn Kiếm``, ``Sơn Tây`` ...), in **triệu đồng**, ordered by GSO code.

Additive identity on every line and amount column: ``Toàn thành phố`` =
(``Khối thành phố`` + the sum of the 30 district sheets) / 1000, where blank and ``-``
cells contribute nothing.

Sheet layout (rows):

1. issuing body in A (``ỦY BAN NHÂN DÂN THÀNH PHỐ HÀ NỘI`` or ``ỦY BAN NHÂN DÂN QUẬN
   HOÀN KIẾM``), form number ``Biểu số 93/CK-NSNN`` in H;
3. title (merged A:H): ``CÂN ĐỐI THU, CHI NGÂN SÁCH 6 THÁNG NĂM 2024`` (6T) or
   ``CÂN ĐỐI THU, CHI NGÂN SÁCH NĂM 2024`` (12T);
4. scope in brackets: ``(Toàn thành phố)``, ``(Khối thành phố)``, ``(Quận Hoàn Kiếm)``;
6. unit line in H: ``Đơn vị: tỷ đồng`` or ``Đơn vị: triệu đồng``;
7-8. two-row header with merged cells:
   ``STT | Nội dung | Mã số | Dự toán năm [Cấp trên giao, HĐND giao] |
   Thực hiện 6 tháng`` (6T) or ``Ước thực hiện năm`` (12T) ``| So sánh (%) [Dự toán cấp
   trên giao, Dự toán HĐND giao]``. "Cấp trên giao" is the estimate assigned by the
   higher level: the centre's statutory estimate (dự toán pháp lệnh) on the city
   sheets, the city's assignment on a district sheet. "HĐND giao" is the estimate
   approved by the unit's own council. Execution is cumulative (lũy kế) from January.
9. column numbering row ``A | B | C | 1 | 2 | 3 | 4=3/1 | 5=3/2`` (its ``A`` is not
   the outline code ``A``);
10+. one row per line (below), then a blank row and a ``Ghi chú:`` note row.

Lines (column STT holds the outline code as text; parents and children share the
column; codes restart under each parent, so ``I``, ``1`` ... recur):

- ``A`` TỔNG THU NSNN TRÊN ĐỊA BÀN = I + II
  - ``I`` Thu nội địa: ``1`` central state-owned enterprises (``1.1`` VAT mục 1700,
    ``1.2`` corporate income tax mục 1050, ``1.3`` excise mục 1750), ``2`` local SOEs
    (``2.1``, ``2.2``), ``3`` FDI enterprises (``3.1``, ``3.2``), ``4`` non-state
    sector (``4.1``, ``4.2``), ``5`` personal income tax (1000), ``6`` registration
    fee (2800), ``7`` land-use fees (1400), ``8`` other revenue (4900);
  - ``II`` Thu từ hoạt động xuất nhập khẩu: ``1`` import VAT (1700), ``2`` import
    duty (1900), ``3`` export duty (1850).
- ``B`` TỔNG CHI NGÂN SÁCH ĐỊA PHƯƠNG = I + II + III + IV
  - ``I`` Chi đầu tư phát triển;
  - ``II`` Chi thường xuyên: ``1`` education (loại 070), ``2`` health (130),
    ``3`` science (100), ``4`` culture (160), ``5`` social security (370),
    ``6`` economic services (280), ``7`` general administration (``7.1`` salaries
    mục 6000, ``7.2`` allowances 6100, ``7.3`` contributions 6300, ``7.4`` other),
    ``8`` other recurrent;
  - ``III`` Chi trả nợ lãi; ``IV`` Dự phòng ngân sách.

``Mã số`` is text (``"070"`` keeps its zero): the mục (economic content) of revenue
and pay lines, the loại (function) of sector lines, blank on parents and on lines
without a single code. Parent rows carry the sum of their children, so summing every
row double-counts. Traps: district sheets have ``-`` (not 0) on import-export revenue
and on interest; ``Dự phòng ngân sách`` has a blank execution (reserves are spent
through other lines); some district sheets leave the council estimate of ``8`` (other
revenue) blank. The ``%`` columns are values rounded to one decimal, not formulas, and
are blank or ``-`` where a term is. City sheet amounts are exact tenths of a billion.

Published figures B1..B8 (``published_figures.csv``) are calibrated in exactly and
checked before anything is written. ``scale`` is accepted for the common generator
signature and ignored: the number of budget reports is fixed.
"""

from __future__ import annotations

import logging
import unicodedata
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import numpy as np
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.worksheet.worksheet import Worksheet

from sources.admin_units import build_admin_units
from sources.sample import CalibrationError
from sources.sample._xlsx import save_reproducibly

log = logging.getLogger(__name__)

STREAM = 1
YEARS = (2021, 2022, 2023, 2024)
PERIODS = ("6T", "12T")
CITY_SHEET = "Toàn thành phố"
CITY_LEVEL_SHEET = "Khối thành phố"
CITY = "city"
CITY_LEVEL = "city_level"
DASH = "-"
COLUMNS = ("ttg", "hdnd", "exec")  # Cấp trên giao, HĐND giao, execution (cumulative)

Amount = int | str | None  # integer (tenths of bn on the city sheet, triệu elsewhere), "-", blank

# Published figures calibrated in (figure ids of published_figures.csv). City amounts
# in tenths of a billion VND, Hoàn Kiếm amounts in million VND.
CITY_REVENUE_EXEC = {(2023, "12T"): 4_052_520, (2024, "12T"): 5_093_000, (2024, "6T"): 2_520_540}
CITY_REVENUE_STATUTORY_2024 = 4_085_000  # B3, B5 denominator (dự toán pháp lệnh)
HOAN_KIEM = "002"
HOAN_KIEM_REVENUE_EXEC = {2021: 14_003_000, 2022: 14_732_000}  # B8 denominator, B6
HOAN_KIEM_REVENUE_ESTIMATE_2022 = 11_250_000  # B7 denominator (city's assignment)
PUBLISHED_RATES = {"B3": "124.7", "B5": "61.7", "B7": "131", "B8": "105.2"}


@dataclass(frozen=True)
class Line:
    """One row of the disclosure form. Shares apply to leaves only."""

    stt: str
    name: str
    code: str | None
    depth: int
    section: str  # "revenue" | "expenditure"
    share: float = 0.0  # base share of the city's section total
    district_weight: float = 0.0  # how much of the line districts collect / spend
    district_dash: bool = False  # "-" on district sheets (not applicable at that level)
    no_execution: bool = False  # execution left blank (budget reserve)


_VAT, _CIT = "Thuế giá trị gia tăng", "Thuế thu nhập doanh nghiệp"
_R, _E = "revenue", "expenditure"
LINES: tuple[Line, ...] = (
    Line("A", "TỔNG THU NSNN TRÊN ĐỊA BÀN (A = I + II)", None, 0, _R),
    Line("I", "Thu nội địa", None, 1, _R),
    Line("1", "Thu từ doanh nghiệp nhà nước do Trung ương quản lý", None, 2, _R),
    Line("1.1", _VAT, "1700", 3, _R, 0.10, 0.08),
    Line("1.2", _CIT, "1050", 3, _R, 0.08, 0.08),
    Line("1.3", "Thuế tiêu thụ đặc biệt", "1750", 3, _R, 0.035, 0.05),
    Line("2", "Thu từ doanh nghiệp nhà nước do địa phương quản lý", None, 2, _R),
    Line("2.1", _VAT, "1700", 3, _R, 0.015, 0.2),
    Line("2.2", _CIT, "1050", 3, _R, 0.015, 0.2),
    Line("3", "Thu từ doanh nghiệp có vốn đầu tư nước ngoài", None, 2, _R),
    Line("3.1", _VAT, "1700", 3, _R, 0.035, 0.2),
    Line("3.2", _CIT, "1050", 3, _R, 0.035, 0.2),
    Line("4", "Thu từ khu vực kinh tế ngoài quốc doanh", None, 2, _R),
    Line("4.1", _VAT, "1700", 3, _R, 0.10, 0.5),
    Line("4.2", _CIT, "1050", 3, _R, 0.08, 0.5),
    Line("5", "Thuế thu nhập cá nhân", "1000", 2, _R, 0.11, 0.4),
    Line("6", "Lệ phí trước bạ", "2800", 2, _R, 0.03, 0.6),
    Line("7", "Thu tiền sử dụng đất", "1400", 2, _R, 0.11, 0.8),
    Line("8", "Thu khác còn lại", "4900", 2, _R, 0.16, 0.5),
    Line("II", "Thu từ hoạt động xuất nhập khẩu", None, 1, _R),
    Line("1", "Thuế giá trị gia tăng hàng nhập khẩu", "1700", 2, _R, 0.035, district_dash=True),
    Line("2", "Thuế nhập khẩu", "1900", 2, _R, 0.015, district_dash=True),
    Line("3", "Thuế xuất khẩu", "1850", 2, _R, 0.003, district_dash=True),
    Line("B", "TỔNG CHI NGÂN SÁCH ĐỊA PHƯƠNG (B = I + II + III + IV)", None, 0, _E),
    Line("I", "Chi đầu tư phát triển", None, 1, _E, 0.42, 0.35),
    Line("II", "Chi thường xuyên", None, 1, _E),
    Line("1", "Chi sự nghiệp giáo dục - đào tạo và dạy nghề", "070", 2, _E, 0.16, 0.5),
    Line("2", "Chi sự nghiệp y tế, dân số và gia đình", "130", 2, _E, 0.05, 0.15),
    Line("3", "Chi sự nghiệp khoa học và công nghệ", "100", 2, _E, 0.01, 0.1),
    Line("4", "Chi sự nghiệp văn hóa thông tin", "160", 2, _E, 0.015, 0.35),
    Line("5", "Chi bảo đảm xã hội", "370", 2, _E, 0.03, 0.45),
    Line("6", "Chi sự nghiệp kinh tế", "280", 2, _E, 0.12, 0.35),
    Line("7", "Chi quản lý hành chính, Đảng, đoàn thể", None, 2, _E),
    Line("7.1", "Tiền lương", "6000", 3, _E, 0.03, 0.5),
    Line("7.2", "Phụ cấp lương", "6100", 3, _E, 0.02, 0.5),
    Line("7.3", "Các khoản đóng góp", "6300", 3, _E, 0.008, 0.5),
    Line("7.4", "Chi hoạt động khác", None, 3, _E, 0.02, 0.4),
    Line("8", "Chi thường xuyên khác", None, 2, _E, 0.05, 0.4),
    Line(
        "III",
        "Chi trả nợ lãi các khoản do chính quyền địa phương vay",
        None,
        1,
        _E,
        0.005,
        district_dash=True,
    ),  # fmt: skip
    Line("IV", "Dự phòng ngân sách", None, 1, _E, 0.02, 0.4, no_execution=True),
)
N_LINES = len(LINES)
OTHER_REVENUE = next(i for i, ln in enumerate(LINES) if ln.code == "4900")


def _children() -> dict[int, list[int]]:
    """Parent line index -> indices of its direct children (from depth and order)."""
    out: dict[int, list[int]] = {}
    stack: list[int] = []
    for i, line in enumerate(LINES):
        while stack and LINES[stack[-1]].depth >= line.depth:
            stack.pop()
        if stack:
            out.setdefault(stack[-1], []).append(i)
        stack.append(i)
    return out


CHILDREN = _children()
LEAVES = tuple(i for i in range(N_LINES) if i not in CHILDREN)
TOTAL_REVENUE = 0
TOTAL_EXPENDITURE = next(i for i, ln in enumerate(LINES) if ln.stt == "B")


@dataclass(frozen=True)
class District:
    """A legacy district: GSO code, full and short Vietnamese names."""

    gso_code: str
    name_vi: str
    short_name_vi: str
    unit_type: str


def _districts() -> list[District]:
    table = build_admin_units().to_pylist()
    rows = [r for r in table if r["level"] == "district"]
    rows.sort(key=lambda r: r["gso_code"])
    return [
        District(
            r["gso_code"],
            unicodedata.normalize("NFC", r["name_vi"]),
            unicodedata.normalize("NFC", r["short_name_vi"]),
            r["unit_type"],
        )
        for r in rows
    ]


def _split(total: int, weights: np.ndarray) -> np.ndarray:
    """Integers proportional to ``weights`` that sum exactly to ``total`` (largest remainder)."""
    w = np.asarray(weights, dtype=float)
    if total < 0 or (w < 0).any() or w.sum() <= 0:
        raise CalibrationError(f"cannot split {total} over weights {w}")
    raw = total * w / w.sum()
    base = np.floor(raw).astype(np.int64)
    remainder = total - int(base.sum())
    fractions = np.where(w > 0, raw - base, -1.0)
    base[np.argsort(-fractions, kind="stable")[:remainder]] += 1
    return base


def _noise(rng: np.random.Generator, sigma: float, size: int) -> np.ndarray:
    return np.exp(rng.normal(0.0, sigma, size))


def _council(rng: np.random.Generator, ttg: np.ndarray, total: int, keep: np.ndarray) -> np.ndarray:
    """Council estimate per leaf: the higher level's plus a share of the council's top-up.

    Where the council leaves a line blank (``keep`` 0) its total is spread over the others.
    """
    noise = _noise(rng, 0.3, len(ttg))
    if keep.all():
        return ttg + _split(total - int(ttg.sum()), ttg * noise)
    return _split(total, ttg * keep * noise)


def _mask(section: str, attr: str | None = None) -> np.ndarray:
    """1.0 for the leaves of ``section`` (without those flagged ``attr``), else 0.0."""
    return np.array(
        [
            float(LINES[i].section == section and not (attr and getattr(LINES[i], attr)))
            for i in LEAVES
        ]
    )


def _totals(rng: np.random.Generator, districts: list[District]) -> dict:
    """Section totals per year: city in tenths of bn, districts in million VND."""
    city: dict[tuple[str, int], dict[str, int]] = {}
    # Revenue: anchored on the published 2023 and 2024 executions, earlier years drawn.
    x12 = {2023: CITY_REVENUE_EXEC[(2023, "12T")], 2024: CITY_REVENUE_EXEC[(2024, "12T")]}
    x12[2022] = round(x12[2023] / (1 + rng.uniform(0.07, 0.12)))
    x12[2021] = round(x12[2022] / (1 + rng.uniform(0.10, 0.16)))
    for year in YEARS:
        ttg = (
            CITY_REVENUE_STATUTORY_2024
            if year == 2024
            else round(x12[year] / rng.uniform(1.08, 1.22))
        )
        x6 = CITY_REVENUE_EXEC.get((year, "6T")) or round(x12[year] * rng.uniform(0.47, 0.55))
        hdnd = round(ttg * rng.uniform(1.005, 1.03))
        city[(_R, year)] = {"ttg": ttg, "hdnd": hdnd, "12T": x12[year], "6T": x6}
    # Expenditure: about 100k bn in 2021, rising 8-13 % a year.
    spend = rng.uniform(98_000, 106_000) * 10
    for year in YEARS:
        if year > YEARS[0]:
            spend *= 1 + rng.uniform(0.08, 0.13)
        x = round(spend)
        ttg = round(x / rng.uniform(0.85, 0.97))
        city[(_E, year)] = {
            "ttg": ttg,
            "hdnd": round(ttg * rng.uniform(1.0, 1.04)),
            "12T": x,
            "6T": round(x * rng.uniform(0.36, 0.46)),
        }

    district: dict[tuple[str, int, str], dict[str, int]] = {}
    for d in districts:
        if d.gso_code == HOAN_KIEM:
            revenue = float(HOAN_KIEM_REVENUE_EXEC[2021])
        elif d.unit_type == "quan":
            revenue = 4_000_000 * float(np.exp(rng.normal(0, 0.35)))
        elif d.unit_type == "thi_xa":
            revenue = 900_000 * float(np.exp(rng.normal(0, 0.2)))
        else:
            revenue = 1_400_000 * float(np.exp(rng.normal(0, 0.35)))
        spend = rng.uniform(900_000, 1_900_000)
        for year in YEARS:
            if year > YEARS[0]:
                revenue *= 1 + rng.normal(0.08, 0.04)
                spend *= 1 + rng.normal(0.09, 0.03)
            if d.gso_code == HOAN_KIEM and year in HOAN_KIEM_REVENUE_EXEC:
                revenue = float(HOAN_KIEM_REVENUE_EXEC[year])
            x = round(revenue)
            if d.gso_code == HOAN_KIEM and year == 2022:
                ttg = HOAN_KIEM_REVENUE_ESTIMATE_2022
            else:
                ttg = round(x / rng.uniform(1.02, 1.30))
            district[(_R, year, d.gso_code)] = {
                "ttg": ttg,
                "hdnd": round(ttg * rng.uniform(1.0, 1.04)),
                "12T": x,
                "6T": round(x * rng.uniform(0.45, 0.56)),
            }
            x = round(spend)
            ttg = round(x / rng.uniform(0.85, 0.97))
            district[(_E, year, d.gso_code)] = {
                "ttg": ttg,
                "hdnd": round(ttg * rng.uniform(1.0, 1.05)),
                "12T": x,
                "6T": round(x * rng.uniform(0.36, 0.46)),
            }
    return {"city": city, "district": district}


def _leaf_amounts(rng: np.random.Generator, districts: list[District]) -> dict:
    """Leaf amounts: ``out[(year, period)][unit][column]`` -> list over LEAVES.

    Estimates (``ttg``, ``hdnd``) are drawn once a year and copied into both periods.
    """
    totals = _totals(rng, districts)
    shares = np.array([LINES[i].share for i in LEAVES])
    dweights = np.array([LINES[i].district_weight for i in LEAVES])
    # A district's own profile across lines, fixed over the years.
    profiles = {d.gso_code: dweights * _noise(rng, 0.25, len(LEAVES)) for d in districts}
    n = len(LEAVES)
    out: dict[tuple[int, str], dict[str, dict[str, list[Amount]]]] = {}
    for year in YEARS:
        city: dict[str, np.ndarray] = {
            c: np.zeros(n, np.int64) for c in ("ttg", "hdnd", "12T", "6T")
        }
        dist: dict[str, dict[str, np.ndarray]] = {
            d.gso_code: {c: np.zeros(n, np.int64) for c in city} for d in districts
        }
        codes = [d.gso_code for d in districts]
        blank_hdnd = {str(c) for c in rng.choice(codes, size=4, replace=False)}
        for section in (_R, _E):
            on = _mask(section)
            executed = _mask(section, "no_execution")
            local = _mask(section, "district_dash")
            t = totals["city"][(section, year)]
            ttg = _split(t["ttg"], shares * on * _noise(rng, 0.10, n))
            hdnd = _council(rng, ttg, t["hdnd"], np.ones(n))
            x12 = _split(t["12T"], ttg * executed * _noise(rng, 0.06, n))
            x6 = _split(t["6T"], x12 * _noise(rng, 0.06, n))
            for col, arr in (("ttg", ttg), ("hdnd", hdnd), ("12T", x12), ("6T", x6)):
                city[col] += arr
            for d in districts:
                t = totals["district"][(section, year, d.gso_code)]
                keep = np.ones(n)
                if section == _R and d.gso_code in blank_hdnd:
                    keep[LEAVES.index(OTHER_REVENUE)] = 0.0
                weights = ttg * local * profiles[d.gso_code] * _noise(rng, 0.05, n)
                d_ttg = _split(t["ttg"], weights)
                d_hdnd = _council(rng, d_ttg, t["hdnd"], keep)
                d_x12 = _split(t["12T"], d_ttg * executed * _noise(rng, 0.08, n))
                d_x6 = _split(t["6T"], d_x12 * _noise(rng, 0.06, n))
                for col, arr in (("ttg", d_ttg), ("hdnd", d_hdnd), ("12T", d_x12), ("6T", d_x6)):
                    dist[d.gso_code][col] += arr

        for period in PERIODS:
            units: dict[str, dict[str, list[Amount]]] = {}
            for unit, unit_cols in [(CITY, city), *((code, dist[code]) for code in dist)]:
                units[unit] = {
                    col: _cells(unit_cols[src], unit, col, blank_hdnd)
                    for col, src in (("ttg", "ttg"), ("hdnd", "hdnd"), ("exec", period))
                }
            units[CITY_LEVEL] = {
                col: _city_level(units, [d.gso_code for d in districts], col) for col in COLUMNS
            }
            out[(year, period)] = units
    return out


def _cells(values: np.ndarray, unit: str, col: str, blank_hdnd: set[str]) -> list[Amount]:
    """Leaf amounts of one unit and column, with the form's "-" and blank cells."""
    row: list[Amount] = []
    for k, i in enumerate(LEAVES):
        line = LINES[i]
        if line.no_execution and col == "exec":
            row.append(None)
        elif unit not in (CITY, CITY_LEVEL) and line.district_dash:
            row.append(DASH)
        elif col == "hdnd" and i == OTHER_REVENUE and unit in blank_hdnd:
            row.append(None)
        else:
            row.append(int(values[k]))
    return row


def _city_level(units: dict, codes: list[str], col: str) -> list[Amount]:
    """City-level leaf = city leaf (tenths of bn -> million VND) minus the districts'."""
    row: list[Amount] = []
    for k, i in enumerate(LEAVES):
        city = units[CITY][col][k]
        if city is None:
            row.append(None)
            continue
        districts = sum(v for c in codes if isinstance(v := units[c][col][k], int))
        value = city * 100 - districts
        if value <= 0:
            raise CalibrationError(
                f"city-level {col} of line {LINES[i].stt} {LINES[i].name!r} is {value}: "
                "districts exceed the city"
            )
        row.append(value)
    return row


def _with_parents(leaves: list[Amount]) -> list[Amount]:
    """Full column over LINES: leaves as given, parents = sum of their present children."""
    full: list[Amount] = [None] * N_LINES
    for k, i in enumerate(LEAVES):
        full[i] = leaves[k]
    for i in reversed(range(N_LINES)):
        if i not in CHILDREN:
            continue
        kids = [full[j] for j in CHILDREN[i]]
        numbers = [v for v in kids if isinstance(v, int)]
        if numbers:
            full[i] = sum(numbers)
        elif all(v == DASH for v in kids):
            full[i] = DASH
        else:
            full[i] = None
    return full


def _pct(num: Amount, den: Amount) -> float | str | None:
    """``num / den`` in percent, rounded half-up to one decimal, as the forms print it."""
    if num == DASH or den == DASH:
        return DASH
    if not isinstance(num, int) or not isinstance(den, int) or den == 0:
        return None
    ratio = Decimal(num * 100) / Decimal(den)
    return float(ratio.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))


def _tables(leaves: dict) -> dict[tuple[int, str], dict[str, dict[str, list[Amount]]]]:
    """``tables[(year, period)][unit][column]`` -> full column over LINES."""
    return {
        key: {
            unit: {col: _with_parents(cols[col]) for col in COLUMNS} for unit, cols in units.items()
        }
        for key, units in leaves.items()
    }


def _rate(num: int, den: int, published: str) -> str:
    exponent = Decimal(published).as_tuple().exponent
    value = (Decimal(num * 100) / Decimal(den)).quantize(
        Decimal(1).scaleb(exponent), rounding=ROUND_HALF_UP
    )
    return str(value)


def _check(tables: dict, districts: list[District]) -> None:
    """Raise CalibrationError unless B1..B8 and the form's identities hold."""
    missed: list[str] = []

    def expect(label: str, got: object, want: object) -> None:
        if got != want:
            missed.append(f"{label}: got {got}, want {want}")

    rev = TOTAL_REVENUE
    for key, want in CITY_REVENUE_EXEC.items():
        expect(f"city revenue {key}", tables[key][CITY]["exec"][rev], want)
    x24, x24_h1 = (tables[(2024, p)][CITY]["exec"][rev] for p in ("12T", "6T"))
    ttg24 = tables[(2024, "12T")][CITY]["ttg"][rev]
    expect("B3 statutory estimate 2024", ttg24, CITY_REVENUE_STATUTORY_2024)
    expect("B3", _rate(x24, ttg24, PUBLISHED_RATES["B3"]), PUBLISHED_RATES["B3"])
    expect("B5", _rate(x24_h1, ttg24, PUBLISHED_RATES["B5"]), PUBLISHED_RATES["B5"])
    hk = {y: tables[(y, "12T")][HOAN_KIEM] for y in (2021, 2022)}
    for year, want in HOAN_KIEM_REVENUE_EXEC.items():
        expect(f"Hoàn Kiếm revenue {year}", hk[year]["exec"][rev], want)
    hk_ttg = hk[2022]["ttg"][rev]
    hk_2021, hk_2022 = hk[2021]["exec"][rev], hk[2022]["exec"][rev]
    expect("B7", _rate(hk_2022, hk_ttg, PUBLISHED_RATES["B7"]), PUBLISHED_RATES["B7"])
    expect("B8", _rate(hk_2022, hk_2021, PUBLISHED_RATES["B8"]), PUBLISHED_RATES["B8"])

    units = [CITY_LEVEL] + [d.gso_code for d in districts]
    for year in YEARS:
        h1, fy = tables[(year, "6T")], tables[(year, "12T")]
        for unit in [CITY, *units]:
            for col in ("ttg", "hdnd"):
                expect(f"{year} {unit} {col} same in 6T and 12T", h1[unit][col], fy[unit][col])
            for i in range(N_LINES):
                a, b = h1[unit]["exec"][i], fy[unit]["exec"][i]
                if isinstance(a, int) and not (isinstance(b, int) and 0 < a < b):
                    missed.append(f"{year} {unit} line {i}: 6T {a} not below 12T {b}")
        for key in ((year, "6T"), (year, "12T")):
            for col in COLUMNS:
                for i in range(N_LINES):
                    parts = [v for u in units if isinstance(v := tables[key][u][col][i], int)]
                    city = tables[key][CITY][col][i]
                    if (city or 0) * 100 != sum(parts):
                        missed.append(f"{key} {col} line {i}: city {city} != sum {sum(parts)}")
    if missed:
        raise CalibrationError("budget sample misses: " + "; ".join(missed[:20]))


_TITLE_FONT = Font(bold=True, size=13)
_BOLD = Font(bold=True)
_ITALIC = Font(italic=True)
_CENTER = Alignment(horizontal="center", vertical="center", wrap_text=True)
_WIDTHS = {"A": 7, "B": 58, "C": 9, "D": 16, "E": 16, "F": 16, "G": 13, "H": 13}
FIRST_DATA_ROW = 10


def _fill_sheet(
    ws: Worksheet,
    *,
    year: int,
    period: str,
    body: str,
    scope: str,
    columns: dict[str, list[Amount]],
    in_bn: bool,
) -> None:
    ws["A1"] = f"ỦY BAN NHÂN DÂN {body.upper()}"
    ws["A1"].font = _BOLD
    ws["H1"] = "Biểu số 93/CK-NSNN"
    ws["H1"].font = _ITALIC
    ws["A3"] = (
        f"CÂN ĐỐI THU, CHI NGÂN SÁCH 6 THÁNG NĂM {year}"
        if period == "6T"
        else f"CÂN ĐỐI THU, CHI NGÂN SÁCH NĂM {year}"
    )
    ws["A3"].font = _TITLE_FONT
    ws["A4"] = f"({scope})"
    ws["A4"].font = _ITALIC
    for row in (3, 4):
        ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=8)
        ws.cell(row, 1).alignment = _CENTER
    ws["H6"] = "Đơn vị: tỷ đồng" if in_bn else "Đơn vị: triệu đồng"
    ws["H6"].font = _ITALIC
    exec_label = "Thực hiện 6 tháng" if period == "6T" else "Ước thực hiện năm"
    header = {
        "A7": "STT", "B7": "Nội dung", "C7": "Mã số", "D7": "Dự toán năm",
        "F7": exec_label, "G7": "So sánh (%)", "D8": "Cấp trên giao", "E8": "HĐND giao",
        "G8": "Dự toán cấp trên giao", "H8": "Dự toán HĐND giao",
    }  # fmt: skip
    for ref, text in header.items():
        ws[ref] = text
    for ref in ("A7:A8", "B7:B8", "C7:C8", "D7:E7", "F7:F8", "G7:H7"):
        ws.merge_cells(ref)
    for row in ws.iter_rows(min_row=7, max_row=9, max_col=8):
        for cell in row:
            cell.font = _BOLD
            cell.alignment = _CENTER
    for col, text in enumerate(("A", "B", "C", "1", "2", "3", "4=3/1", "5=3/2"), start=1):
        ws.cell(9, col, text).font = _ITALIC
    amount_format = "#,##0.0" if in_bn else "#,##0"
    for i, line in enumerate(LINES):
        r = FIRST_DATA_ROW + i
        ws.cell(r, 1, line.stt).alignment = Alignment(horizontal="center")
        ws.cell(r, 2, line.name)
        if line.code:
            ws.cell(r, 3, line.code).alignment = Alignment(horizontal="center")
        ttg, hdnd, done = (columns[c][i] for c in COLUMNS)
        pcts = (_pct(done, ttg), _pct(done, hdnd))
        for col, value in enumerate((ttg, hdnd, done), start=4):
            if value is None:
                continue
            cell = ws.cell(r, col, value / 10 if in_bn and isinstance(value, int) else value)
            cell.number_format = amount_format
            if value == DASH:
                cell.alignment = Alignment(horizontal="center")
        for col, value in enumerate(pcts, start=7):
            if value is None:
                continue
            cell = ws.cell(r, col, value)
            cell.number_format = "0.0"
            if value == DASH:
                cell.alignment = Alignment(horizontal="center")
        if line.depth <= 1 or i in CHILDREN:
            for col in range(1, 9):
                ws.cell(r, col).font = _BOLD
    note_row = FIRST_DATA_ROW + N_LINES + 1
    ws.cell(
        note_row,
        1,
        "Ghi chú: dự phòng ngân sách không có số thực hiện (đã phân bổ vào các nhiệm vụ chi); "
        'ô trống: không có số liệu; dấu "-": không phát sinh ở cấp này.',
    ).font = _ITALIC
    for letter, width in _WIDTHS.items():
        ws.column_dimensions[letter].width = width
    ws.freeze_panes = f"C{FIRST_DATA_ROW}"


def _write_workbook(
    path: Path, year: int, period: str, units: dict, districts: list[District]
) -> Path:
    wb = Workbook()
    wb.remove(wb.active)
    wb.properties.title = f"Công khai ngân sách {year} ({period})"
    city_body = "Thành phố Hà Nội"
    sheets = [
        (CITY_SHEET, city_body, CITY_SHEET, CITY, True),
        (CITY_LEVEL_SHEET, city_body, CITY_LEVEL_SHEET, CITY_LEVEL, False),
    ] + [(d.short_name_vi, d.name_vi, d.name_vi, d.gso_code, False) for d in districts]
    for title, body, scope, unit, in_bn in sheets:
        ws = wb.create_sheet(title[:31])
        _fill_sheet(
            ws, year=year, period=period, body=body, scope=scope, columns=units[unit], in_bn=in_bn
        )
    return save_reproducibly(wb, path)


def write(out_dir: Path, seed: int, scale: float = 1.0) -> list[Path]:
    """Write the 8 budget disclosure workbooks under ``out_dir / "budget"``.

    Deterministic in ``seed`` (random stream 1); ``scale`` is ignored. Raises
    CalibrationError before writing anything if a published figure would be missed.
    Returns the written paths, sorted.
    """
    del scale  # the number of budget reports does not scale
    rng = np.random.default_rng([seed, STREAM])
    districts = _districts()
    tables = _tables(_leaf_amounts(rng, districts))
    _check(tables, districts)
    folder = Path(out_dir) / "budget"
    paths = [
        _write_workbook(
            folder / f"cong_khai_ngan_sach_{year}_{period}.xlsx",
            year,
            period,
            tables[(year, period)],
            districts,
        )
        for year in YEARS
        for period in PERIODS
    ]
    log.info("wrote %d budget workbooks to %s", len(paths), folder)
    return sorted(paths)
