"""Raw tables → validated, index-based Problem, collecting every input problem at once.

`build_problem` is the single gate between user data and the engines: the CSV/xlsx reader, the app's editors and
the store's saved inputs all pass through it. It accepts cells as strings (what the reader gives) or already typed
values (what `Problem.raw_tables()` gives back), maps Chinese headers and Chinese enum labels, and checks, per
column and vectorised (city size in about a second): empty required cells, duplicate ids, enum values, numbers
and their ranges, dates, then references between tables. Each Issue names the file (or sheet), the row as the
user sees it in Excel (header = row 1, first data row = 2) and the column's English key, with the Chinese header
in the message. Fully blank rows are skipped (Excel leaves them behind) without shifting row numbers.

Three modules, one per step: planner.io.cells (a cell's text and dates), planner.io.columns (collecting issues,
converting and checking one column), and this one (the tables together: references, unavailability, locks,
holidays, and the Problem).
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from planner.errors import InputError
from planner.io.cells import as_text, parse_dates
from planner.io.columns import (
    _check_coordinate_pairs,
    _check_duplicates,
    _Checker,
    _col_label,
    _convert_column,
    _empty_frame,
    _prepare_table,
    _resolve,
    _unique_index,
)
from planner.model import LOCK_TARGETS, TABLE_BY_STEM, TABLES
from planner.problem import Problem
from planner.rules import Rules

# supervision.actuals and supervision.sample import these from here
__all__ = ["_Checker", "_convert_column", "_prepare_table", "as_text", "build_problem", "parse_dates"]

PERSON_TABLES = (("leader", "leaders"), ("unit", "units"), ("cadre", "cadres"), ("office_leader", "office_leaders"))
DEFAULT_PRIORITY = 1  # the contract: priority 1–3, 3 = most in need; an empty cell means an ordinary household


def build_problem(tables: Mapping[str, pd.DataFrame], rules: Rules, source: str = "", *,
                  labels: Mapping[str, str] | None = None) -> Problem:
    """Validate raw tables and build the Problem, or raise InputError with every issue found.

    `tables` maps file stems to DataFrames (English or Chinese headers; optional tables may be absent).
    `labels` maps stems to what the user calls the table (e.g. 'households.csv' or sheet '联系户'); default
    '<stem>.csv'.
    """
    attr_labels = {stem: str(frame.attrs["label"]) for stem, frame in tables.items()
                   if isinstance(frame, pd.DataFrame) and frame.attrs.get("label")}
    check = _Checker({**attr_labels, **(labels or {})})
    texts: dict[str, pd.DataFrame] = {}
    rows: dict[str, np.ndarray] = {}
    typed: dict[str, pd.DataFrame] = {}
    for spec in TABLES:
        raw = tables.get(spec.stem)
        if raw is None:
            if spec.required:
                check.add(spec.stem, None, None, f"缺少必需的表：{spec.zh}（{spec.file}）",
                          f"missing required table: {spec.stem} ({spec.file})")
            continue
        if not isinstance(raw, pd.DataFrame):
            check.add(spec.stem, None, None, f"表 {spec.zh} 无法读取", f"table {spec.stem} is not a table")
            continue
        prepared = _prepare_table(check, spec, raw)
        if prepared is None:
            continue
        text, table_rows = prepared
        if spec.required and len(text) == 0:
            check.add(spec.stem, None, None, f"表 {spec.zh}（{spec.stem}）没有数据，至少需要一行",
                      f"table {spec.stem} is empty; at least one row is required")
        texts[spec.stem], rows[spec.stem] = text, table_rows
        typed[spec.stem] = pd.DataFrame({col.name: _convert_column(check, spec, col, text[col.name], table_rows)
                                         for col in spec.columns}, index=text.index)
        if spec.id_column:
            _check_duplicates(check, spec, spec.id_column, text[spec.id_column], table_rows)
        if "lat" in spec.names and "lon" in spec.names:
            _check_coordinate_pairs(check, spec, text, table_rows)

    id_index = {stem: _unique_index(texts[stem][TABLE_BY_STEM[stem].id_column]) for stem in texts
                if TABLE_BY_STEM[stem].id_column}

    def resolve(stem: str, column: str, target: str) -> np.ndarray:
        return _resolve(check, TABLE_BY_STEM[stem], column, texts[stem][column], rows[stem], target,
                        id_index.get(target))

    out: dict[str, pd.DataFrame] = {}
    if "offices" in typed:
        out["offices"] = typed["offices"]
    if "communities" in typed:
        out["communities"] = typed["communities"].assign(office=resolve("communities", "office_id", "offices"))
    if "households" in typed:
        frame = typed["households"].assign(community=resolve("households", "community_id", "communities"))
        frame["priority"] = frame["priority"].fillna(DEFAULT_PRIORITY)
        frame["priority"] = frame["priority"].astype(np.int64)
        office = out["communities"]["office"].to_numpy() if "communities" in out else np.empty(0, dtype=np.int64)
        position = frame["community"].to_numpy()
        known = (position >= 0) & (position < len(office))
        frame["office"] = np.where(known, office[np.where(known, position, 0)] if len(office) else -1, -1)
        frame["office"] = frame["office"].astype(np.int64)
        out["households"] = frame
    if "leaders" in typed:
        out["leaders"] = typed["leaders"]
    if "units" in typed:
        out["units"] = typed["units"]
    if "cadres" in typed:
        frame = typed["cadres"].assign(unit=resolve("cadres", "unit_id", "units"))
        cap = frame["max_households"].to_numpy()
        frame["capacity"] = np.where(np.isnan(cap), rules.assign.cadre_max_households, cap).astype(np.int64)
        out["cadres"] = frame
    if "unavailability" in typed:
        out["unavailability"] = _unavailability(check, typed["unavailability"], texts["unavailability"],
                                                rows["unavailability"], id_index)
    for stem in ("pins", "forbidden"):
        if stem in typed:
            out[stem] = _locks(check, stem, typed[stem], texts[stem], rows[stem], id_index)
    if "pins" in out and "forbidden" in out:
        _pinned_and_forbidden(check, out["pins"], out["forbidden"], rows["forbidden"])
    if "holidays" in typed:
        out["holidays"] = _holidays(check, typed["holidays"], rows["holidays"])
    if "office_leaders" in typed:
        out["office_leaders"] = typed["office_leaders"].assign(
            office=resolve("office_leaders", "office_id", "offices"))
        _office_leader_ids(check, texts["office_leaders"]["person_id"], rows["office_leaders"], id_index)

    if check.issues:
        raise InputError(check.issues)
    extras = {"communities": {"office": "int64"}, "households": {"community": "int64", "office": "int64"},
              "cadres": {"unit": "int64", "capacity": "int64"},
              "unavailability": {"person_kind": "str", "person": "int64"},
              "pins": {"subject": "int64", "target": "int64"}, "forbidden": {"subject": "int64", "target": "int64"},
              "office_leaders": {"office": "int64"}}
    for spec in TABLES:
        if spec.stem not in out:
            out[spec.stem] = _empty_frame(spec, extras.get(spec.stem, {}))
        out[spec.stem] = out[spec.stem].reset_index(drop=True)
    return Problem(**out, rules=rules, source=source)


def _office_leader_ids(check: _Checker, ids: pd.Series, rows: np.ndarray, id_index: Mapping[str, pd.Index]) -> None:
    """An office leader's id must not also be a leader's, unit's or cadre's: plan files and unavailability name a
    person by id alone."""
    taken = np.zeros(len(ids), dtype=bool)
    for _, stem in PERSON_TABLES[:3]:
        index = id_index.get(stem)
        if index is not None:
            taken |= index.get_indexer(pd.Index(ids)) >= 0
    taken &= (ids != "").to_numpy()
    if taken.any():
        zh, en = _col_label(TABLE_BY_STEM["office_leaders"].column("person_id"))
        check.add_rows("office_leaders", rows[taken], ids[taken], "person_id",
                       f"{zh} “{{value}}” 已是区级领导、区直单位或党员干部的编号，请使用不重复的编号",
                       f"{en} '{{value}}' is already a leader, unit or cadre id; use distinct ids")


def _unavailability(check: _Checker, frame: pd.DataFrame, text: pd.DataFrame, rows: np.ndarray,
                    id_index: Mapping[str, pd.Index]) -> pd.DataFrame:
    """Resolve person_id against leaders, units and cadres; an id found in two of them is ambiguous."""
    ids = text["person_id"]
    kind = pd.Series([""] * len(ids), index=ids.index, dtype=object)
    person = np.full(len(ids), -1, dtype=np.int64)
    hits = np.zeros(len(ids), dtype=np.int64)
    for person_kind, stem in PERSON_TABLES:
        index = id_index.get(stem)
        if index is None:
            continue
        pos = index.get_indexer(pd.Index(ids))
        found = pos >= 0
        hits += found
        kind[found & (person < 0)] = person_kind
        person = np.where(found & (person < 0), pos, person)
    col = TABLE_BY_STEM["unavailability"].column("person_id")
    zh, en = _col_label(col)
    nonempty = (ids != "").to_numpy()
    unknown = nonempty & (hits == 0)
    if unknown.any():
        check.add_rows("unavailability", rows[unknown], ids[unknown], "person_id",
                       f"{zh} “{{value}}” 不是已知的区级领导、区直单位、党员干部或办事处领导编号",
                       f"{en} '{{value}}' is not a known leader, unit, cadre or office leader id")
    ambiguous = hits > 1
    if ambiguous.any():
        check.add_rows("unavailability", rows[ambiguous], ids[ambiguous], "person_id",
                       f"{zh} “{{value}}” 同时是多类人员的编号，无法区分，请使用不重复的编号",
                       f"{en} '{{value}}' is the id of more than one kind of person; use distinct ids")
    start, end = frame["start"], frame["end"]
    inverted = (start.notna() & end.notna() & (start > end)).to_numpy()
    if inverted.any():
        shown = [f"{s:%Y-%m-%d} > {e:%Y-%m-%d}" for s, e in zip(start[inverted], end[inverted], strict=True)]
        check.add_rows("unavailability", rows[inverted], shown, "start",
                       "“开始日期”（start）晚于“结束日期”（end）：{value}", "start is after end: {value}")
    out = frame.copy()
    out["start"] = _to_dates(start)
    out["end"] = _to_dates(end)
    out["person_kind"] = kind.astype("str")
    out["person"] = person
    return out


def _locks(check: _Checker, stem: str, frame: pd.DataFrame, text: pd.DataFrame, rows: np.ndarray,
           id_index: Mapping[str, pd.Index]) -> pd.DataFrame:
    """Resolve subject/target per lock kind (leader→office, unit→community, cadre→household, office leader →
    community)."""
    subject = np.full(len(frame), -1, dtype=np.int64)
    target = np.full(len(frame), -1, dtype=np.int64)
    spec = TABLE_BY_STEM[stem]
    for kind, (subject_table, target_table) in LOCK_TARGETS.items():
        mask = (frame["kind"] == kind).to_numpy()
        if not mask.any():
            continue
        for column, table, out_array in (("subject_id", subject_table, subject), ("target_id", target_table, target)):
            out_array[mask] = _resolve(check, spec, column, text[column][mask], rows[mask], table,
                                       id_index.get(table))
    out = frame.copy()
    out["subject"] = subject
    out["target"] = target
    return out


def _pinned_and_forbidden(check: _Checker, pins: pd.DataFrame, forbidden: pd.DataFrame, rows: np.ndarray) -> None:
    """A pair both pinned and forbidden is a contradiction in the input itself, reported on the forbidden row."""
    keys = ["kind", "subject_id", "target_id"]
    pinned = pd.MultiIndex.from_frame(pins[keys].astype(object))
    both = pd.MultiIndex.from_frame(forbidden[keys].astype(object)).isin(pinned) & (forbidden["kind"] != "").to_numpy()
    if both.any():
        shown = [f"{k} {s} → {t}" for k, s, t in forbidden.loc[both, keys].itertuples(index=False)]
        check.add_rows("forbidden", rows[both], shown, "subject_id",
                       f"结对 {{value}} 同时出现在锁定结对表（{check.label('pins')}）和禁止结对表中",
                       f"pair {{value}} is both pinned ({check.label('pins')}) and forbidden")


def _holidays(check: _Checker, frame: pd.DataFrame, rows: np.ndarray) -> pd.DataFrame:
    dates = frame["date"]
    dup = (dates.duplicated(keep="first") & dates.notna()).to_numpy()
    if dup.any():
        check.add_rows("holidays", rows[dup], [f"{d:%Y-%m-%d}" for d in dates[dup]], "date",
                       "“日期”（date）{value} 重复出现", "date {value} appears more than once")
    out = frame.copy()
    out["date"] = _to_dates(dates)
    return out


def _to_dates(series: pd.Series) -> pd.Series:
    """datetime64 → object column of datetime.date (None when missing), as the Problem promises."""
    return pd.Series([None if pd.isna(v) else v.date() for v in series], index=series.index, dtype=object)
