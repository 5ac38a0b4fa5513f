"""The investment projects: who invests, how they are named, and who takes them over at
the 2025-07-01 reform.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

import numpy as np

from sources.loading.admin_units import REFORM_DATE, build_crosswalk
from sources.sample import CalibrationError
from sources.sample.disbursement.layout import CITY_UNIT, LATER_YEARS, LEGACY_YEARS

CITY_INVESTORS = {
    "giao_thong": "Ban Quản lý dự án đầu tư xây dựng công trình giao thông thành phố Hà Nội",
    "dan_dung": (
        "Ban Quản lý dự án đầu tư xây dựng công trình dân dụng và công nghiệp thành phố Hà Nội"
    ),
    "ha_tang": (
        "Ban Quản lý dự án đầu tư xây dựng công trình hạ tầng kỹ thuật và nông nghiệp "
        "thành phố Hà Nội"
    ),
    "van_hoa": "Ban Quản lý dự án đầu tư xây dựng công trình văn hóa - xã hội thành phố Hà Nội",
    "duong_sat": "Ban Quản lý đường sắt đô thị Hà Nội",
    "y_te": "Sở Y tế Hà Nội",
    "cong_an": "Công an thành phố Hà Nội",
}
# City boards that took over district projects at the reform.
TAKEOVER_INVESTORS = ("dan_dung", "ha_tang", "giao_thong")
# (name template, investor key); {commune}, {district} are filled in.
CITY_TEMPLATES = (
    ("Xây dựng tuyến đường Vành đai 4 - Vùng Thủ đô, đoạn qua {district}", "giao_thong"),
    ("Cải tạo, nâng cấp tuyến đường tỉnh lộ qua {commune}, {district}", "giao_thong"),
    ("Xây dựng cầu vượt nút giao tại {commune}, {district}", "giao_thong"),
    ("Xây dựng trường Trung học phổ thông {commune}, {district}", "dan_dung"),
    ("Cải tạo, mở rộng Bệnh viện đa khoa {district}", "y_te"),
    ("Xây dựng trạm bơm tiêu {commune}, {district}", "ha_tang"),
    ("Xây dựng hệ thống thu gom, xử lý nước thải {district}", "ha_tang"),
    ("Tu bổ, tôn tạo di tích lịch sử tại {commune}, {district}", "van_hoa"),
    ("Xây dựng trụ sở Công an {commune}, {district}", "cong_an"),
)
ODA_TEMPLATES = (
    ("Tuyến đường sắt đô thị thí điểm thành phố Hà Nội, đoạn Nhổn - ga Hà Nội", "duong_sat"),
    ("Tuyến đường sắt đô thị số 2, đoạn Nam Thăng Long - Trần Hưng Đạo", "duong_sat"),
    ("Xây dựng hệ thống xử lý nước thải Yên Xá", "ha_tang"),
    ("Cải thiện hạ tầng giao thông đô thị, đoạn qua {district}", "giao_thong"),
)
DISTRICT_TEMPLATES = (
    "Xây dựng trường Mầm non {commune}",
    "Cải tạo, nâng cấp trường Tiểu học {commune}",
    "Xây dựng trường Trung học cơ sở {commune}",
    "Cải tạo, nâng cấp đường giao thông {commune}",
    "Xây dựng nhà văn hóa {commune}",
    "Cải tạo hệ thống thoát nước {commune}",
    "Xây dựng trạm y tế {commune}",
    "Chỉnh trang hè phố, hạ ngầm đường dây {commune}",
)
ABBREVIATIONS = {"quan": "Q.", "huyen": "H.", "thi_xa": "TX.", "phuong": "P.", "xa": "X."}
TYPE_WORDS = {  # unit types as written inside a sentence
    "quan": "quận",
    "huyen": "huyện",
    "thi_xa": "thị xã",
    "phuong": "phường",
    "xa": "xã",
    "thi_tran": "thị trấn",
}
DISTRICT_BUDGET = "Ngân sách quận, huyện"
COMMUNE_BUDGET = "Ngân sách cấp xã"
CITY_BUDGET = "Ngân sách thành phố"
CITY_TOPUP = "Ngân sách thành phố hỗ trợ có mục tiêu"
NATIONAL_PROGRAMME = "Chương trình mục tiêu quốc gia"
TAKEOVER_SHARE = 0.15  # district projects taken over by city boards at the reform
# A district named in an investor or unit (the reader rejects it from the reform on).
DISTRICT_WORDS = re.compile(r"(^|\W)(quận|huyện|thị xã|Q\.|H\.|TX\.)\s", re.IGNORECASE)


@dataclass
class _Unit:
    """Where a project reports in one era: the unit column, the investor, the funding."""

    label: str
    order: int  # 0 for city-level projects, else 1 + the unit's position
    investor: str
    funding: str
    level: str  # city, district or commune (the investor's level)


@dataclass
class _Project:
    code: str
    name: str
    before: _Unit  # as reported before the reform (unused for projects begun after it)
    first_year: int  # 2020 for projects begun before the sample starts
    last_year: int
    own_capital: bool  # financed from the city's own extra capital: TTg plan 0
    size: float
    start_month: int  # first month with disbursement in first_year
    district_id: str | None = None  # the district of a district project
    commune_id: str | None = None  # the commune of its site (the version it was named in)
    after: _Unit | None = None  # as reported from the reform on

    def unit_at(self, day: dt.date) -> _Unit:
        if day >= REFORM_DATE:
            if self.after is None:
                raise CalibrationError(f"project {self.code} has no unit after the reform")
            return self.after
        return self.before


def _valid_on(unit: dict, day: dt.date) -> bool:
    return unit["valid_from"] <= day and (unit["valid_to"] is None or unit["valid_to"] >= day)


def _in_text(unit: dict) -> str:
    return f"{TYPE_WORDS[unit['unit_type']]} {unit['short_name_vi']}"


def _districts(units: list[dict], on: dt.date) -> list[dict]:
    """Districts valid on ``on``, each with its communes valid then: (in-text name, id)."""
    districts = [dict(u) for u in units if u["level"] == "district" and _valid_on(u, on)]
    communes = [
        u for u in units if u["level"] == "commune" and u["parent_id"] != "01" and _valid_on(u, on)
    ]
    for d in districts:
        d["in_text"] = _in_text(d)
        d["communes"] = [
            (_in_text(c), c["admin_unit_id"])
            for c in communes
            if c["parent_id"] == d["admin_unit_id"]
        ]
    return districts


def _communes_after_reform(units: list[dict]) -> list[dict]:
    """The commune-level units directly under the city from the reform on, in order."""
    communes = [
        dict(u)
        for u in units
        if u["level"] == "commune" and u["parent_id"] == "01" and _valid_on(u, REFORM_DATE)
    ]
    for position, c in enumerate(communes):
        c["in_text"] = _in_text(c)
        c["order"] = 1 + position
    if not communes:
        raise CalibrationError(f"no commune-level unit valid on {REFORM_DATE}")
    return communes


def _unit_label(rng: np.random.Generator, district: dict) -> str:
    draw = rng.random()
    if draw < 0.6:
        return district["short_name_vi"]
    if draw < 0.85:
        return f"{ABBREVIATIONS[district['unit_type']]} {district['short_name_vi']}"
    return district["name_vi"]


def _commune_label(rng: np.random.Generator, commune: dict) -> str:
    draw = rng.random()
    if draw < 0.5:
        return commune["name_vi"]
    if draw < 0.75:
        return commune["short_name_vi"]
    return f"{ABBREVIATIONS[commune['unit_type']]} {commune['short_name_vi']}"


def _make_project(
    rng: np.random.Generator,
    code: str,
    districts: list[dict],
    first_year: int,
    last_year: int,
    start_month: int,
) -> _Project:
    """A project approved before the reform: city-level or a district's."""
    d_index = int(rng.integers(len(districts)))
    district = districts[d_index]
    commune, commune_id = district["communes"][int(rng.integers(len(district["communes"])))]
    names = {"commune": commune, "district": district["in_text"]}
    own_capital = bool(rng.random() < 0.12)
    level = rng.random()
    if level < 0.06 and not own_capital:  # large ODA project
        template, investor = ODA_TEMPLATES[int(rng.integers(len(ODA_TEMPLATES)))]
        unit = _Unit(CITY_UNIT, 0, CITY_INVESTORS[investor], "Vốn ODA", "city")
        size = float(rng.lognormal(10.4, 0.5))
    elif level < 0.36:  # city-level project
        template, investor = CITY_TEMPLATES[int(rng.integers(len(CITY_TEMPLATES)))]
        funding = (
            "Ngân sách trung ương hỗ trợ có mục tiêu"
            if rng.random() < 0.15 and not own_capital
            else CITY_BUDGET
        )
        unit = _Unit(CITY_UNIT, 0, CITY_INVESTORS[investor], funding, "city")
        size = float(rng.lognormal(9.4, 0.8))
    else:  # district-level project
        template = DISTRICT_TEMPLATES[int(rng.integers(len(DISTRICT_TEMPLATES)))]
        kind = rng.random()
        if kind < 0.2 and commune.startswith("xã "):
            investor = f"Ủy ban nhân dân {commune}"
        else:
            investor = f"Ban Quản lý dự án đầu tư xây dựng {district['in_text']}"
        if own_capital:
            funding = CITY_TOPUP
        elif kind < 0.55:
            funding = DISTRICT_BUDGET
        elif kind < 0.8 or district["unit_type"] == "quan":
            funding = CITY_TOPUP
        else:
            funding = NATIONAL_PROGRAMME
        unit = _Unit(_unit_label(rng, district), 1 + d_index, investor, funding, "district")
        template = f"{template}, {{district}}"
        size = float(rng.lognormal(8.0, 0.8))
    return _Project(
        code=code,
        name=template.format(**names),
        before=unit,
        first_year=first_year,
        last_year=last_year,
        own_capital=own_capital,
        size=size,
        start_month=start_month,
        district_id=district["admin_unit_id"] if unit.level == "district" else None,
        commune_id=commune_id,
    )


def _commune_investor(rng: np.random.Generator, commune: dict) -> str:
    draw = rng.random()
    if draw < 0.4:
        return f"Ủy ban nhân dân {commune['in_text']}"
    if draw < 0.7:
        return f"UBND {commune['in_text']}"
    return f"Ban Quản lý dự án đầu tư xây dựng {commune['in_text']}"


def _make_commune_project(
    rng: np.random.Generator,
    code: str,
    communes: list[dict],
    first_year: int,
    last_year: int,
    start_month: int,
) -> _Project:
    """A project approved after the reform: city-level or a commune-level unit's."""
    commune = communes[int(rng.integers(len(communes)))]
    names = {"commune": commune["in_text"], "district": commune["in_text"]}
    own_capital = bool(rng.random() < 0.12)
    level = rng.random()
    if level < 0.06 and not own_capital:
        template, investor = ODA_TEMPLATES[int(rng.integers(len(ODA_TEMPLATES)))]
        unit = _Unit(CITY_UNIT, 0, CITY_INVESTORS[investor], "Vốn ODA", "city")
        size = float(rng.lognormal(10.4, 0.5))
    elif level < 0.40:
        template, investor = CITY_TEMPLATES[int(rng.integers(len(CITY_TEMPLATES)))]
        template = template.replace(", {district}", "")
        funding = (
            "Ngân sách trung ương hỗ trợ có mục tiêu"
            if rng.random() < 0.15 and not own_capital
            else CITY_BUDGET
        )
        unit = _Unit(CITY_UNIT, 0, CITY_INVESTORS[investor], funding, "city")
        size = float(rng.lognormal(9.4, 0.8))
    else:
        template = DISTRICT_TEMPLATES[int(rng.integers(len(DISTRICT_TEMPLATES)))]
        kind = rng.random()
        if own_capital or 0.5 <= kind < 0.8 or (kind >= 0.8 and commune["unit_type"] != "xa"):
            funding = CITY_TOPUP
        elif kind < 0.5:
            funding = COMMUNE_BUDGET
        else:
            funding = NATIONAL_PROGRAMME
        investor = _commune_investor(rng, commune)
        unit = _Unit(_commune_label(rng, commune), commune["order"], investor, funding, "commune")
        size = float(rng.lognormal(8.0, 0.8))
    return _Project(
        code=code,
        name=template.format(**names),
        before=unit,
        first_year=first_year,
        last_year=last_year,
        own_capital=own_capital,
        size=size,
        start_month=start_month,
        after=unit,
    )


def _projects(rng: np.random.Generator, scale: float, units: list[dict]) -> list[_Project]:
    """Projects under way on 1 January of the first year plus the ones started in each
    plan year of the older layout."""
    districts = _districts(units, dt.date(LEGACY_YEARS[0], 1, 1))
    n_initial = max(10, round(110 * scale))
    n_new = max(5, round(45 * scale))
    total = n_initial + n_new * len(LEGACY_YEARS)
    codes = 7_000_000 + rng.choice(1_000_000, size=total, replace=False)
    projects = []
    for i in range(n_initial):
        last = LEGACY_YEARS[0] + int(rng.integers(0, 4))
        first = LEGACY_YEARS[0] - 1
        projects.append(_make_project(rng, str(codes[i]), districts, first, last, 1))
    for k, year in enumerate(LEGACY_YEARS):
        for j in range(n_new):
            code = str(codes[n_initial + k * n_new + j])
            last = year + int(rng.integers(0, 4))
            start = int(rng.integers(2, 8))
            projects.append(_make_project(rng, code, districts, year, last, start))
    return projects


def _later_projects(
    rng: np.random.Generator, scale: float, earlier: list[_Project], units: list[dict]
) -> list[_Project]:
    """Projects started in the plan years of the current layout: district or city
    projects while the plan year starts before the reform, commune or city after."""
    n_new = max(5, round(60 * scale))  # more starts than before: the reform's programme
    taken = {p.code for p in earlier}
    drawn = 7_000_000 + rng.choice(
        1_000_000, size=n_new * len(LATER_YEARS) + len(taken), replace=False
    )
    codes = [c for c in dict.fromkeys(str(c) for c in drawn) if c not in taken]
    communes = _communes_after_reform(units)
    projects = []
    for k, year in enumerate(LATER_YEARS):
        starts_on = dt.date(year, 1, 1)
        districts = _districts(units, starts_on) if starts_on < REFORM_DATE else []
        for j in range(n_new):
            code = codes[k * n_new + j]
            last = year + int(rng.integers(0, 4))
            start = int(rng.integers(2, 8))
            if districts:
                projects.append(_make_project(rng, code, districts, year, last, start))
            else:
                projects.append(_make_commune_project(rng, code, communes, year, last, start))
    return projects


def _successors() -> dict[str, str]:
    """Old commune id (of any earlier version) -> the unit in force today its site went
    to (the primary piece of a split ward, the larger share when several are primary),
    from the admin-unit crosswalk composed to the current units."""
    best: dict[str, tuple[bool, float, str]] = {}
    for row in build_crosswalk().to_pylist():
        if row.get("crosswalk_type", "to_current") != "to_current":
            continue
        rank = (bool(row["is_primary"]), float(row["allocation_weight"]), row["new_admin_unit_id"])
        old = row["old_admin_unit_id"]
        if old not in best or rank[:2] > best[old][:2]:
            best[old] = rank
    return {old: rank[2] for old, rank in best.items()}


def _assign_after_reform(
    rng: np.random.Generator, projects: list[_Project], units: list[dict]
) -> None:
    """Where each project still open after the reform reports from then on: city projects
    stay with the city; a district project goes to the commune-level unit its site went
    to (its people's committee or project board as investor), a few to city boards."""
    communes = {c["admin_unit_id"]: c for c in _communes_after_reform(units)}
    successors = _successors()
    for p in projects:
        if p.after is not None or p.last_year < REFORM_DATE.year:
            continue
        if p.before.level == "city":
            p.after = p.before
            continue
        if rng.random() < TAKEOVER_SHARE:
            board = CITY_INVESTORS[TAKEOVER_INVESTORS[int(rng.integers(len(TAKEOVER_INVESTORS)))]]
            funding = CITY_BUDGET if p.before.funding == DISTRICT_BUDGET else p.before.funding
            p.after = _Unit(CITY_UNIT, 0, board, funding, "city")
            continue
        new_id = successors.get(p.commune_id or "") or _district_successor(p, successors)
        commune = communes[new_id]
        if p.before.investor.startswith("Ủy ban nhân dân"):
            investor = f"Ủy ban nhân dân {commune['in_text']}"
        else:
            investor = _commune_investor(rng, commune)
        funding = COMMUNE_BUDGET if p.before.funding == DISTRICT_BUDGET else p.before.funding
        label = _commune_label(rng, commune)
        p.after = _Unit(label, commune["order"], investor, funding, "commune")


def _district_successor(project: _Project, successors: dict[str, str]) -> str:
    """When the crosswalk does not list the project's ward (a ward of an older version),
    the new unit most of its district's wards went to."""
    prefix = f"{project.district_id}-"
    counts: dict[str, int] = {}
    for old, new in sorted(successors.items()):
        if old.startswith(prefix):
            counts[new] = counts.get(new, 0) + 1
    if not counts:
        raise CalibrationError(f"no successor for the district of project {project.code}")
    return max(sorted(counts), key=lambda new: counts[new])
