"""Synthetic but realistic districts for trying the planner, for tests and for benchmarks.

Feasible by construction under the default rules: the generator first builds a hidden plan — which unit links
which communities (a contiguous run of communities in office order, so a unit's communities lie near each other and
mostly in one office) — and then gives every unit enough cadres that their capacity is ≥ `CAPACITY_SLACK` × the
households of its communities. Communities stay small enough (`MAX_COMMUNITY_FACTOR` × the mean) that their
cadres' visits fit far under `community_daily_cap` per workday; there are more leaders than offices, more
communities than units. The hidden plan is returned by `demo_tables()` so tests can check it by counting.

Sizes (approximate; `SIZES`): small ≈ 300 households, district ≈ 15,000, city ≈ 150,000. Everything is drawn from
one `numpy.random.Generator(seed)` with vectorised draws (no Python loop over households or cadres), so the same
seed gives byte-identical files and the city size takes seconds.

Files: one CSV per table (UTF-8 with BOM, English headers, columns exactly as planner.model.TABLES), a
`holidays.csv` for the year — every weekday holiday and every make-up workday, from the published schedule when
the year is covered; for a year that is only estimated, the estimate's holidays plus plausible make-up
Saturdays/Sundays (`planner.workdays.estimated_makeup_days`, a heuristic, clearly not the official schedule) —
and `rules.toml` holding only `year`.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pandas as pd

from planner.io.outputs import write_new_folder
from planner.io.safe import write_csv
from planner.model import TABLES
from planner.rules import Rules, next_year
from planner.workdays import estimated_makeup_days, work_calendar

# -- generator policy (not planning rules: they shape the synthetic data only) -----------------------------------
CAPACITY_SLACK = 1.25          # each unit's cadre capacity ≥ this × its communities' households
MAX_COMMUNITY_FACTOR = 3.5     # a community holds at most this × the mean households per community
EXPLICIT_MAX_SHARE = 0.2       # share of cadres with their own max_households (3–5); the rest blank
SECTION_SHARE = 0.25           # share of non-head cadres at section rank
PRIORITY_SHARES = (0.65, 0.25, 0.10)   # households at priority 1, 2, 3
UNAVAILABLE_SHARE = 0.05       # share of cadres and units with one or two weeks of leave
UNAVAILABLE_LEADERS = 2
FORBIDDEN_SHARE = 0.001        # cadre–household conflicts of interest, per household
CENTRE = (34.75, 113.65)       # district centre (lat, lon)
KM_PER_DEG = 111.0
OFFICE_MEMBERS = (1, 4)        # 班子成员 per office besides the secretary and the director
OFFICE_LEADERS_STREAM = 15     # the office leaders' own random stream (issue 15), independent of the other tables


@dataclass(frozen=True)
class Size:
    offices: int          # including the one zone
    communities: int
    households: int
    units: int
    cadres: int
    extra_leaders: int    # leaders = offices + extra_leaders
    standing: int         # 区委常委 among the leaders
    radius_km: float      # offices spread over this radius


SIZES: dict[str, Size] = {
    "small": Size(offices=5, communities=20, households=300, units=10, cadres=90, extra_leaders=7, standing=4,
                  radius_km=6.0),
    "district": Size(offices=20, communities=300, households=15_000, units=150, cadres=4_000, extra_leaders=8,
                     standing=9, radius_km=15.0),
    "city": Size(offices=60, communities=3_000, households=150_000, units=1_500, cadres=40_000, extra_leaders=8,
                 standing=11, radius_km=40.0),
}


@dataclass(frozen=True)
class HiddenPlan:
    """The feasible assignment the data was built around (for tests; the solver never sees it)."""

    unit_of_community: np.ndarray   # community index -> unit index
    default_capacity: int           # rules default used for blank max_households

    def unit_households(self, households: pd.DataFrame, communities: pd.DataFrame) -> np.ndarray:
        community_pos = pd.Index(communities["community_id"]).get_indexer(households["community_id"])
        n_units = int(self.unit_of_community.max()) + 1
        return np.bincount(self.unit_of_community[community_pos], minlength=n_units)


# -- names ----------------------------------------------------------------------------------------------------------
_SURNAMES = list("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任"
                 "沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武")
_GIVEN = list("伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超兰霞平刚桂华建国志红玉梅文斌海波宇浩凯鹏辉婷晶颖欣雪琳"
              "子涵轩怡梓睿博思佳俊泽晨瑞鑫欣然宏亮德福春秋丹彤诗雨嘉庆振东卫民淑珍凤荣秀云忠良")
_PLACES = ["东城", "西城", "南关", "北关", "城关", "新华", "人民", "解放", "建设", "文化", "和平", "胜利", "友谊",
           "光明", "红旗", "朝阳", "向阳", "东风", "长江", "黄河", "嵩山", "桐柏", "金水", "花园", "航海", "陇海",
           "二七", "大学路", "铭功路", "福华街", "杜岭", "京广", "淮河", "汝河", "秦岭", "棉纺", "林山寨", "石佛",
           "须水", "沟赵", "古荥", "柳林", "丰庆", "祭城", "如意湖", "龙子湖", "博学", "龙湖", "白沙", "郑庵",
           "圃田", "八千", "姚桥", "兴达", "丰产", "国基", "南阳", "杜庄", "老鸦陈", "中原", "西湖", "北林",
           "金光", "银河", "凤凰", "桃源", "梧桐", "樱桃沟", "紫荆山", "商都", "未来", "经纬"]
_COMMUNITY_A = ["幸福", "和谐", "锦绣", "阳光", "桂花", "翠竹", "金桥", "银杏", "紫荆", "牡丹", "丁香", "海棠",
                "青年", "工人", "团结", "民主", "永安", "长兴", "康宁", "福寿", "祥和", "安居", "乐业", "兴华",
                "振兴", "富民", "明德", "崇德", "怀德", "尚贤", "清华", "水岸", "湖滨", "滨河", "绿城", "碧波",
                "春晖", "晨光", "曙光", "东方", "北斗", "启明", "彩虹", "百花", "千禧", "万福", "顺和", "嘉禾",
                "玉兰", "松柏", "枫林", "荷花", "金色", "银苑", "文苑", "书香", "学府", "科苑", "电厂", "纺织",
                "铁路", "邮电", "电缆", "机械", "化工", "粮校", "师范", "医学", "农科", "水利", "交通", "建业",
                "正弘", "鑫苑", "绿地", "泰山", "华山", "衡山", "恒山", "黄山", "庐山", "天山", "昆仑", "燕山",
                "太行", "伏牛", "大别", "五岳", "七星", "九龙", "双桥", "三里", "五里", "八里", "十里", "丰乐"]
_COMMUNITY_B = ["里", "园", "苑", "庄", "村", "路", "街", "新村", "花园", "家园", "小区", "佳苑", "雅居", "新城",
                "东里", "西里", "南里", "北里", "广场", "城"]
_UNITS = ["区委办公室", "区政府办公室", "区纪委监委", "区委组织部", "区委宣传部", "区委统战部", "区委政法委",
          "区委编办", "区发展和改革委员会", "区教育局", "区科技和工业信息化局", "区公安分局", "区民政局", "区司法局",
          "区财政局", "区人力资源和社会保障局", "区自然资源局", "区生态环境分局", "区住房和城乡建设局", "区城市管理局",
          "区交通运输局", "区水利局", "区农业农村局", "区商务局", "区文化广电和旅游局", "区卫生健康委员会",
          "区退役军人事务局", "区应急管理局", "区审计局", "区市场监督管理局", "区统计局", "区医疗保障局", "区信访局",
          "区机关事务管理局", "区政务服务和大数据管理局", "区总工会", "团区委", "区妇联", "区科协", "区残联",
          "区工商联", "区红十字会", "区人大常委会办公室", "区政协办公室", "区人民法院", "区人民检察院", "区档案馆",
          "区融媒体中心", "区委党校", "区税务局", "区供销社", "区人民医院", "区中医院", "区妇幼保健院",
          "区疾病预防控制中心", "区实验中学", "区实验小学", "区职业教育中心", "区图书馆", "区文化馆"]
_UNIT_KINDS = ["中学", "小学", "幼儿园", "社区卫生服务中心", "派出所", "市场监管所", "税务所", "财政所", "司法所",
               "供电所"]


def _people_names(rng: np.random.Generator, n: int) -> np.ndarray:
    """Two- or three-character names: surname + one or two given characters."""
    surname = np.asarray(_SURNAMES)[rng.integers(0, len(_SURNAMES), n)]
    given = np.asarray(_GIVEN)
    first = given[rng.integers(0, len(given), n)]
    second = np.where(rng.random(n) < 0.6, given[rng.integers(0, len(given), n)], "")
    return np.char.add(np.char.add(surname, first), second)


def _office_names(n_offices: int) -> list[str]:
    places = _PLACES if n_offices - 1 <= len(_PLACES) else [*_PLACES, *(f"新区{i}" for i in range(n_offices))]
    return [f"{p}办事处" for p in places[: n_offices - 1]] + ["先进制造业集聚区管委会"]


def _community_names(rng: np.random.Generator, n: int) -> list[str]:
    combos = len(_COMMUNITY_A) * len(_COMMUNITY_B)
    picks = rng.permutation(combos)[: min(n, combos)]
    names = [f"{_COMMUNITY_A[k // len(_COMMUNITY_B)]}{_COMMUNITY_B[k % len(_COMMUNITY_B)]}社区" for k in picks]
    names += [f"第{i + 1}社区" for i in range(n - len(names))]
    return names


def _unit_names(n: int) -> list[str]:
    names = list(_UNITS[:n])
    k = 0
    while len(names) < n:
        place = _PLACES[k % len(_PLACES)]
        kind = _UNIT_KINDS[(k // len(_PLACES)) % len(_UNIT_KINDS)]
        round_ = k // (len(_PLACES) * len(_UNIT_KINDS))
        names.append(f"区{place}{kind}" + (f"（{round_ + 1}）" if round_ else ""))
        k += 1
    return names


def _ids(prefix: str, n: int, width: int | None = None) -> np.ndarray:
    w = width or max(2, len(str(n)))
    return np.char.add(prefix, np.char.zfill(np.arange(1, n + 1).astype(str), w))


def _split(rng: np.random.Generator, total: int, parts: int, weights: np.ndarray | None = None) -> np.ndarray:
    """`parts` positive integers summing to `total` (each ≥1), proportional to `weights` on average."""
    p = np.full(parts, 1.0 / parts) if weights is None else weights / weights.sum()
    return 1 + rng.multinomial(total - parts, p)


# -- the generator --------------------------------------------------------------------------------------------------

def demo_tables(size: str = "small", seed: int = 0, year: int | None = None,
                rules: Rules | None = None) -> tuple[dict[str, pd.DataFrame], HiddenPlan]:
    """All input tables (contract columns) for a synthetic district, and the hidden feasible plan.

    One random generator draws every table in a fixed order (offices, communities, households, leaders, units,
    cadres, leave, locks), so a size and seed always give the same district."""
    if size not in SIZES:
        raise ValueError(f"unknown demo size {size!r}; choose from {', '.join(SIZES)}")
    s = SIZES[size]
    rules = rules or Rules()
    year = year or next_year()
    rng = np.random.default_rng(seed)
    deg = s.radius_km / KM_PER_DEG
    offices, office_lat, office_lon = _offices(rng, s, deg)
    communities, c_lat, c_lon = _communities(rng, s, deg, offices, office_lat, office_lon)
    households, per_community, h_comm = _households(rng, s, communities, c_lat, c_lon)
    leaders = _leaders(rng, s)
    units, unit_of_community, unit_h, u_lat, u_lon = _units(rng, s, deg, per_community, c_lat, c_lon)
    cap_default = rules.assign.cadre_max_households
    cadres, g_unit = _cadres(rng, s, deg, cap_default, units, unit_h, u_lat, u_lon)
    unavailability = _unavailability(rng, year, leaders, units, cadres)
    pins, forbidden = _locks(rng, leaders, offices, units, communities, unit_of_community, cadres, g_unit,
                             households, h_comm)
    tables = {"offices": offices, "communities": communities, "households": households, "leaders": leaders,
              "units": units, "cadres": cadres, "unavailability": unavailability, "pins": pins,
              "forbidden": forbidden, "holidays": _holidays(year),
              "office_leaders": _office_leaders(seed, offices, communities)}
    for spec in TABLES:
        tables[spec.stem] = tables[spec.stem][list(spec.names)].reset_index(drop=True)
    return tables, HiddenPlan(unit_of_community=unit_of_community, default_capacity=cap_default)


def _office_leaders(seed: int, offices: pd.DataFrame, communities: pd.DataFrame) -> pd.DataFrame:
    """Each office's leadership team: a 党工委书记, a 主任 and 1–4 members (fewer where the office has few
    communities, so that no two share a contact community). Drawn from a generator of its own, so the other tables
    are the same as before the office level existed."""
    rng = np.random.default_rng([seed, OFFICE_LEADERS_STREAM])
    per_office = communities["office_id"].value_counts()
    rows: list[tuple[str, str, str]] = []
    for oid in offices["office_id"]:
        members = int(rng.integers(OFFICE_MEMBERS[0], OFFICE_MEMBERS[1] + 1))
        members = max(OFFICE_MEMBERS[0], min(members, int(per_office.get(oid, 0)) - 2))
        roles = ["secretary", "director", *(["member"] * members)]
        rows += [(f"{oid}-{j + 1}", str(oid), role) for j, role in enumerate(roles)]
    names = _people_names(rng, len(rows))
    return pd.DataFrame({"person_id": [r[0] for r in rows], "name": names, "office_id": [r[1] for r in rows],
                         "role": [r[2] for r in rows]})


def _offices(rng: np.random.Generator, s: Size, deg: float) -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:
    """Offices around the centre; the last one is the zone, a little outside town."""
    angle = rng.uniform(0, 2 * np.pi, s.offices)
    dist = deg * np.sqrt(rng.uniform(0.05, 1.0, s.offices))
    dist[-1] = deg * 1.2
    office_lat = CENTRE[0] + dist * np.sin(angle)
    office_lon = CENTRE[1] + dist * np.cos(angle)
    offices = pd.DataFrame({
        "office_id": np.concatenate([_ids("B", s.offices - 1), ["Z01"]]),
        "name": _office_names(s.offices),
        "kind": ["office"] * (s.offices - 1) + ["zone"],
        "lat": office_lat.round(6), "lon": office_lon.round(6),
    })
    return offices, office_lat, office_lon


def _communities(rng: np.random.Generator, s: Size, deg: float, offices: pd.DataFrame, office_lat: np.ndarray,
                 office_lon: np.ndarray) -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:
    """Uneven counts per office (the zone about half), sorted by office then bearing."""
    office_weight = rng.lognormal(0.0, 0.3, s.offices)
    office_weight[-1] *= 0.5
    per_office = _split(rng, s.communities, s.offices, office_weight)
    c_office = np.repeat(np.arange(s.offices), per_office)
    spread = deg * 0.35 / math.sqrt(s.offices / 5)
    c_lat = office_lat[c_office] + rng.normal(0, spread, s.communities)
    c_lon = office_lon[c_office] + rng.normal(0, spread, s.communities)
    bearing = np.arctan2(c_lat - office_lat[c_office], c_lon - office_lon[c_office])
    order = np.lexsort((bearing, c_office))
    c_office, c_lat, c_lon = c_office[order], c_lat[order], c_lon[order]
    communities = pd.DataFrame({
        "community_id": _ids("C", s.communities, max(3, len(str(s.communities)))),
        "name": _community_names(rng, s.communities),
        "office_id": offices["office_id"].to_numpy()[c_office],
        "lat": c_lat.round(6), "lon": c_lon.round(6),
    })
    return communities, c_lat, c_lon


def _households(rng: np.random.Generator, s: Size, communities: pd.DataFrame, c_lat: np.ndarray,
                c_lon: np.ndarray) -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:
    """Lognormal community sizes, capped so that no community is overloaded with visitors."""
    w = rng.lognormal(0.0, 0.5, s.communities)
    w = np.minimum(w, MAX_COMMUNITY_FACTOR * w.mean())
    per_community = _split(rng, s.households, s.communities, w)
    h_comm = np.repeat(np.arange(s.communities), per_community)
    n_h = s.households
    priority = rng.choice(np.arange(1, 4), n_h, p=np.asarray(PRIORITY_SHARES))
    h_spread = 0.25 / KM_PER_DEG
    households = pd.DataFrame({
        "household_id": _ids("H", n_h, max(5, len(str(n_h)))),
        "community_id": communities["community_id"].to_numpy()[h_comm],
        "name": _people_names(rng, n_h),
        "priority": priority,
        "lat": (c_lat[h_comm] + rng.normal(0, h_spread, n_h)).round(6),
        "lon": (c_lon[h_comm] + rng.normal(0, h_spread, n_h)).round(6),
    })
    return households, per_community, h_comm


def _leaders(rng: np.random.Generator, s: Size) -> pd.DataFrame:
    """1 secretary, 1 head, some standing, the rest other; more leaders than offices."""
    n_l = s.offices + s.extra_leaders
    tiers = ["secretary", "head"] + ["standing"] * s.standing + ["other"] * (n_l - 2 - s.standing)
    return pd.DataFrame({"leader_id": _ids("L", n_l), "name": _people_names(rng, n_l), "tier": tiers})


def _units(rng: np.random.Generator, s: Size, deg: float, per_community: np.ndarray, c_lat: np.ndarray,
           c_lon: np.ndarray) -> tuple[pd.DataFrame, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The hidden plan: each unit takes a contiguous run of communities in office/bearing order; the unit sits
    between its communities and the centre."""
    per_unit = _split(rng, s.communities, s.units)
    unit_of_community = np.repeat(np.arange(s.units), per_unit)
    unit_h = np.bincount(unit_of_community, weights=per_community, minlength=s.units)
    u_lat = np.bincount(unit_of_community, weights=c_lat, minlength=s.units) / per_unit
    u_lon = np.bincount(unit_of_community, weights=c_lon, minlength=s.units) / per_unit
    u_lat = (u_lat + CENTRE[0]) / 2 + rng.normal(0, deg * 0.1, s.units)
    u_lon = (u_lon + CENTRE[1]) / 2 + rng.normal(0, deg * 0.1, s.units)
    units = pd.DataFrame({
        "unit_id": _ids("U", s.units, max(3, len(str(s.units)))),
        "name": _unit_names(s.units),
        "lat": u_lat.round(6), "lon": u_lon.round(6),
    })
    return units, unit_of_community, unit_h, u_lat, u_lon


def _cadres(rng: np.random.Generator, s: Size, deg: float, cap_default: int, units: pd.DataFrame,
            unit_h: np.ndarray, u_lat: np.ndarray, u_lon: np.ndarray) -> tuple[pd.DataFrame, np.ndarray]:
    """Proportional to the unit's households with some spread, then topped up to the capacity slack; homes half
    near the unit's communities, half anywhere in the district."""
    share = unit_h / unit_h.sum() * s.cadres * rng.lognormal(0.0, 0.15, s.units)
    n_per_unit = np.maximum(np.rint(share).astype(int), 2)
    g_unit = np.repeat(np.arange(s.units), n_per_unit)
    n_g = len(g_unit)
    explicit = rng.random(n_g) < EXPLICIT_MAX_SHARE
    max_h = np.where(explicit, rng.integers(3, 6, n_g), 0)
    capacity = np.where(explicit, max_h, cap_default)
    need = np.ceil(CAPACITY_SLACK * unit_h).astype(int)
    have = np.bincount(g_unit, weights=capacity, minlength=s.units)
    extra = np.maximum(0, np.ceil((need - have) / cap_default)).astype(int)
    g_unit = np.concatenate([g_unit, np.repeat(np.arange(s.units), extra)])
    max_h = np.concatenate([max_h, np.zeros(extra.sum(), dtype=max_h.dtype)])
    explicit = np.concatenate([explicit, np.zeros(extra.sum(), dtype=bool)])
    order = np.argsort(g_unit, kind="stable")
    g_unit, max_h, explicit = g_unit[order], max_h[order], explicit[order]
    n_g = len(g_unit)
    first_of_unit = np.r_[True, g_unit[1:] != g_unit[:-1]]
    rank = np.where(first_of_unit, "head", np.where(rng.random(n_g) < SECTION_SHARE, "section", "staff"))
    near = rng.random(n_g) < 0.5
    home_lat = np.where(near, u_lat[g_unit] + rng.normal(0, deg * 0.15, n_g), CENTRE[0] + rng.normal(0, deg * 0.5, n_g))
    home_lon = np.where(near, u_lon[g_unit] + rng.normal(0, deg * 0.15, n_g), CENTRE[1] + rng.normal(0, deg * 0.5, n_g))
    cadres = pd.DataFrame({
        "cadre_id": _ids("G", n_g, max(4, len(str(n_g)))),
        "name": _people_names(rng, n_g),
        "unit_id": units["unit_id"].to_numpy()[g_unit],
        "rank": rank,
        "max_households": pd.arrays.IntegerArray(max_h.astype(np.int64), mask=~explicit),
        "lat": home_lat.round(6), "lon": home_lon.round(6),
    })
    return cadres, g_unit


def _holidays(year: int) -> pd.DataFrame:
    """The year's overrides of the workday calendar; for an estimated year also its estimated 调休 workdays."""
    cal = work_calendar(year)
    holidays_ = cal.overrides_table()
    if cal.estimated:
        extra_days = pd.DataFrame({"date": list(estimated_makeup_days(cal)), "kind": "workday"}, dtype=object)
        holidays_ = pd.concat([holidays_, extra_days], ignore_index=True).sort_values("date", ignore_index=True)
    return holidays_


def _unavailability(rng: np.random.Generator, year: int, leaders: pd.DataFrame, units: pd.DataFrame,
                    cadres: pd.DataFrame) -> pd.DataFrame:
    """One or two weeks of leave (Monday to Friday) for a few people: light enough that every rule stays reachable.

    The secretary and the district head are spared (they carry monthly reception duties).
    """
    leader_pick = rng.choice(np.arange(2, len(leaders)), min(UNAVAILABLE_LEADERS, len(leaders) - 2), replace=False)
    unit_pick = np.flatnonzero(rng.random(len(units)) < UNAVAILABLE_SHARE)
    cadre_pick = np.flatnonzero(rng.random(len(cadres)) < UNAVAILABLE_SHARE)
    person = np.concatenate([leaders["leader_id"].to_numpy()[np.sort(leader_pick)],
                             units["unit_id"].to_numpy()[unit_pick], cadres["cadre_id"].to_numpy()[cadre_pick]])
    n = len(person)
    first_monday = date(year, 1, 1) + timedelta(days=(7 - date(year, 1, 1).weekday()) % 7)
    week = rng.integers(1, 49, n)             # stays inside the year
    weeks = rng.integers(1, 3, n)
    start = pd.to_datetime(first_monday) + pd.to_timedelta(week * 7, unit="D")
    end = start + pd.to_timedelta(weeks * 7 - 3, unit="D")
    reasons = np.asarray(["出差", "培训", "休假", "病假", "学习"])[rng.integers(0, 5, n)]
    return pd.DataFrame({"person_id": person, "start": start.strftime("%Y-%m-%d"),
                         "end": end.strftime("%Y-%m-%d"), "reason": reasons})


def _locks(rng: np.random.Generator, leaders: pd.DataFrame, offices: pd.DataFrame, units: pd.DataFrame,
           communities: pd.DataFrame, unit_of_community: np.ndarray, cadres: pd.DataFrame, g_unit: np.ndarray,
           households: pd.DataFrame, h_comm: np.ndarray) -> tuple[pd.DataFrame, pd.DataFrame]:
    """A few pins consistent with the hidden plan, and a few cadre–household conflicts of interest.

    Pins: the secretary and the head each keep their contact office (the first two offices — distinct, so the
    even spread of leaders still holds), and one unit keeps its first community. Forbidden pairs are drawn
    inside a unit's own communities (elsewhere they would be vacuous); capacity slack absorbs them.
    """
    pins = pd.DataFrame({
        "kind": ["leader_office", "leader_office", "unit_community"],
        "subject_id": [leaders["leader_id"].iloc[0], leaders["leader_id"].iloc[1], units["unit_id"].iloc[0]],
        "target_id": [offices["office_id"].iloc[0], offices["office_id"].iloc[1], communities["community_id"].iloc[0]],
    })
    n_forbidden = max(1, int(len(households) * FORBIDDEN_SHARE))
    h_pick = np.sort(rng.choice(len(households), n_forbidden, replace=False))
    unit_start = np.searchsorted(g_unit, np.arange(len(units)))
    unit_size = np.bincount(g_unit, minlength=len(units))
    h_unit = unit_of_community[h_comm[h_pick]]
    g_pick = unit_start[h_unit] + rng.integers(0, unit_size[h_unit])
    forbidden = pd.DataFrame({
        "kind": "cadre_household",
        "subject_id": cadres["cadre_id"].to_numpy()[g_pick],
        "target_id": households["household_id"].to_numpy()[h_pick],
    })
    return pins, forbidden


def generate_demo(out: Path, size: str = "small", seed: int = 0, year: int | None = None,
                  inputs: Iterable[str | Path | None] = ()) -> dict[str, int]:
    """Write a synthetic district as folder `out` (a new path or an empty folder: planner.io.outputs);
    return the row count per table."""
    year = year or next_year()
    tables, _ = demo_tables(size, seed, year)

    def fill(folder: Path) -> None:
        for stem, frame in tables.items():
            write_csv(frame, folder / f"{stem}.csv")
        (folder / "rules.toml").write_text(
            f"# 示例数据的规则：仅指定计划年度，其余取默认值（见 planner template 说明）\n"
            f"# Demo rules: only the plan year; every other rule keeps its default.\nyear = {year}\n",
            encoding="utf-8")

    write_new_folder(out, fill, inputs)
    return {stem: len(frame) for stem, frame in tables.items()}
