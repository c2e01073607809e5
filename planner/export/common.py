"""What both exporters share: one tidy, display-ready table of visits built from the plan folder alone.

The plan carries ids plus `names` (display names; households have none, only their community). Everything shown
to people — Chinese activity labels, whom/where, the talk mark, household pseudonyms when redacting — is decided
here once, so the calendar files and the workbook always say the same thing.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

import pandas as pd

from planner.errors import InputError
from planner.plan import Plan
from planner.rules import Rules, rules_from_dict

ACTIVITY_ZH: dict[str, str] = {
    "contact": "联系点",
    "research": "基层调研",
    "reception": "信访接待",
    "community": "进社区",
    "household": "入户走访",
}
PERSON_KIND_ZH: dict[str, str] = {"leader": "区级领导", "unit": "区直单位", "cadre": "党员干部",
                                  "office_leader": "办事处领导"}
PERSON_KINDS: tuple[str, ...] = ("leader", "unit", "cadre", "office_leader")
OFFICE_ROLE_ZH: dict[str, str] = {"secretary": "党工委书记", "director": "主任", "member": "班子成员"}
TIER_ZH: dict[str, str] = {"secretary": "区委书记", "head": "区长", "standing": "区委常委", "other": "其他区级领导"}
TALK_ZH = "谈心谈话"
DISTRICT_ZH = "全区"
PSEUDONYM_PREFIX = "户-"
# Shortest hex pseudonym tried first; lengthened until every household in the plan gets a distinct one.
PSEUDONYM_MIN_HEX = 8

VISIT_COLUMNS = (
    "date", "person_kind", "person_id", "person_name", "activity", "activity_zh", "target_kind", "target_id",
    "target_label", "place", "community_id", "office_id", "role", "talk", "summary",
)


@dataclass(frozen=True)
class NameBook:
    """Display names and parents by kind, read from `plan.names` (id → name, id → parent_id)."""

    names: dict[str, dict[str, str]]
    parents: dict[str, dict[str, str]]
    extra: dict[str, dict[str, str]]

    def name(self, kind: str, ident: str) -> str:
        return self.names.get(kind, {}).get(ident, "") or ident

    def parent(self, kind: str, ident: str) -> str:
        return self.parents.get(kind, {}).get(ident, "")

    def ids(self, kind: str) -> list[str]:
        return list(self.names.get(kind, {}))


def name_book(plan: Plan) -> NameBook:
    names: dict[str, dict[str, str]] = {}
    parents: dict[str, dict[str, str]] = {}
    extra: dict[str, dict[str, str]] = {}
    frame = plan.names
    if len(frame) and {"kind", "id"} <= set(frame.columns):
        frame = frame.fillna("").astype(str)
        name_col = frame["name"] if "name" in frame.columns else pd.Series("", index=frame.index)
        parent_col = frame["parent_id"] if "parent_id" in frame.columns else pd.Series("", index=frame.index)
        # An optional `rank` column (cadres) lets the summary show the rank's grassroots-day minimum.
        rank_col = frame["rank"] if "rank" in frame.columns else None
        for kind, part in frame.groupby("kind", sort=False):
            key = str(kind)
            ids = part["id"].tolist()   # plain lists: iterating pandas' Arrow strings is ~20x slower
            names[key] = dict(zip(ids, name_col[part.index].tolist(), strict=True))
            parents[key] = dict(zip(ids, parent_col[part.index].tolist(), strict=True))
            if rank_col is not None:
                extra[key] = dict(zip(ids, rank_col[part.index].tolist(), strict=True))
    return NameBook(names, parents, extra)


def plan_rules(plan: Plan) -> Rules:
    """The rules the plan was solved with (report.json); the defaults if the report does not carry them."""
    data = plan.report.get("rules")
    if isinstance(data, dict):
        try:
            return rules_from_dict(data, "report.json")
        except InputError:
            pass
    return Rules()


def plan_year(plan: Plan, visits: pd.DataFrame | None = None) -> int:
    for value in (plan.report.get("year"), plan.report.get("rules", {}).get("year")
                  if isinstance(plan.report.get("rules"), dict) else None):
        if isinstance(value, int) or (isinstance(value, str) and value.isdigit()):
            return int(value)
    frame = plan.visits if visits is None else visits
    if len(frame):
        return int(pd.to_datetime(frame["date"]).min().year)
    return Rules().year


class Pseudonyms:
    """Stable household pseudonyms ("户-3fa9c2d1"): a keyed hash, so they cannot be reversed by hashing guessed ids.

    The key is derived from the plan's own pairs (which a recipient of a redacted export does not have), so the
    same plan always gives the same pseudonyms in the calendars and the workbook.
    """

    def __init__(self, plan: Plan, household_ids: Iterable[str]):
        pairs = plan.cadre_households
        material = "\n".join(sorted(f"{c}\t{h}" for c, h in zip(
            pairs.get("cadre_id", pd.Series(dtype=str)).astype(str),
            pairs.get("household_id", pd.Series(dtype=str)).astype(str), strict=True)))
        self._key = hashlib.sha256(f"planner-redact\n{plan_year(plan)}\n{material}".encode()).digest()
        ids = sorted(set(household_ids))
        digests = {h: hmac.new(self._key, h.encode(), hashlib.sha256).hexdigest() for h in ids}
        length = PSEUDONYM_MIN_HEX
        while len({d[:length] for d in digests.values()}) < len(digests):
            length += 2
        self._map = {h: PSEUDONYM_PREFIX + d[:length] for h, d in digests.items()}

    def __call__(self, household_id: str) -> str:
        return self._map.get(household_id) or PSEUDONYM_PREFIX + hmac.new(
            self._key, household_id.encode(), hashlib.sha256).hexdigest()[:PSEUDONYM_MIN_HEX]


def normalized_visits(plan: Plan) -> pd.DataFrame:
    """The plan's visits with plain types whether they come from read_plan (all str) or straight from a solve."""
    visits = plan.visits
    columns = ["date", "person_kind", "person_id", "activity", "target_kind", "target_id", "role", "talk"]
    if not len(visits):
        return pd.DataFrame({c: pd.Series(dtype=object) for c in columns})
    out = pd.DataFrame({
        "date": pd.to_datetime(visits["date"]).dt.date,
        **{c: visits[c].fillna("").astype(str).to_numpy() for c in
           ("person_kind", "person_id", "activity", "target_kind", "target_id")},
        "role": visits["role"].fillna("").astype(str).to_numpy() if "role" in visits else "",
        "talk": pd.to_numeric(visits["talk"], errors="coerce").fillna(0).astype(int).to_numpy()
        if "talk" in visits else 0,
    })
    return out.reset_index(drop=True)


def visit_table(plan: Plan, redact: bool = False) -> pd.DataFrame:
    """One display-ready row per visit (VISIT_COLUMNS), sorted by person then date.

    `target_label` is the id shown (a pseudonym for households when redacting), `place` the office/community name,
    `summary` the Chinese one-line title: "入户走访：幸福里社区 H00012（谈心谈话）", "信访接待（A角）".
    """
    book = name_book(plan)
    v = normalized_visits(plan)
    if not len(v):
        return pd.DataFrame({c: pd.Series(dtype=object) for c in VISIT_COLUMNS})
    kinds = v["target_kind"]
    targets = v["target_id"]
    # Where each target lies: a household's community, a community's office.
    hh_comm = book.parents.get("household", {})
    comm_office = book.parents.get("community", {})
    community_id = pd.Series("", index=v.index, dtype=object)
    is_hh, is_comm, is_office = kinds == "household", kinds == "community", kinds == "office"
    community_id[is_hh] = targets[is_hh].map(lambda h: hh_comm.get(h, ""))
    community_id[is_comm] = targets[is_comm]
    office_id = community_id.map(lambda c: comm_office.get(c, ""))
    office_id[is_office] = targets[is_office]

    label = targets.copy()
    if redact and is_hh.any():
        pseudo = Pseudonyms(plan, [*targets[is_hh].unique(), *book.ids("household")])
        label[is_hh] = targets[is_hh].map(pseudo)
    office_names = book.names.get("office", {})
    comm_names = book.names.get("community", {})
    place = pd.Series("", index=v.index, dtype=object)
    place[is_office] = targets[is_office].map(lambda o: office_names.get(o, "") or o)
    place[is_comm | is_hh] = community_id[is_comm | is_hh].map(lambda c: comm_names.get(c, "") or c)
    place[kinds == "district"] = DISTRICT_ZH

    activity_zh = v["activity"].map(lambda a: ACTIVITY_ZH.get(a, a))
    whom = place.where(~is_hh, (place + " " + label).str.strip())
    whom = whom.where(whom != "", label)
    summary = activity_zh + "：" + whom
    summary = summary.where(v["talk"] != 1, summary + f"（{TALK_ZH}）")
    is_reception = v["activity"] == "reception"
    summary[is_reception] = activity_zh[is_reception] + v["role"][is_reception].map(
        lambda r: f"（{r}角）" if r else "")

    person_names = [book.name(k, p) for k, p in zip(v["person_kind"].tolist(), v["person_id"].tolist(), strict=True)]
    out = pd.DataFrame({
        "date": v["date"], "person_kind": v["person_kind"], "person_id": v["person_id"],
        "person_name": person_names, "activity": v["activity"], "activity_zh": activity_zh,
        "target_kind": kinds, "target_id": targets, "target_label": label, "place": place,
        "community_id": community_id, "office_id": office_id, "role": v["role"], "talk": v["talk"],
        "summary": summary,
    })
    order = out["person_kind"].map({k: i for i, k in enumerate(PERSON_KINDS)}).fillna(len(PERSON_KINDS))
    out = out.assign(_order=order).sort_values(["_order", "person_id", "date", "summary"], kind="stable")
    return out.drop(columns="_order").reset_index(drop=True)


_UNSAFE = re.compile(r"[^\w\-.]+|\.{2,}", re.UNICODE)
FILE_STEM_MAX = 80


def safe_file_stem(*parts: str) -> str:
    """A file name part safe on Windows, macOS and Linux: word characters (CJK included), '-' and '.' only."""
    text = "-".join(p for p in parts if p)
    text = _UNSAFE.sub("_", text).strip("._") or "_"
    return text[:FILE_STEM_MAX]


def unique_names(names: Iterable[str], key: Any = str.lower) -> list[str]:
    """Make names distinct (case-insensitively by default) by appending (2), (3), ...; order kept."""
    seen: set[str] = set()
    out: list[str] = []
    for name in names:
        candidate, n = name, 1
        while key(candidate) in seen:
            n += 1
            candidate = f"{name}({n})"
        seen.add(key(candidate))
        out.append(candidate)
    return out


def weekday_zh(day: date) -> str:
    return "一二三四五六日"[day.weekday()]
