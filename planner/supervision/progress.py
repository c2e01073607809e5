"""Progress as of a date: the contract's obligations table, computed with numpy over dense indices.

One row per obligation of the plan (the assignment in PLAN, the rules in the Problem); counts come from actual
visits dated ≤ D (`done`) and from the plan's visits dated ≤ D (`planned_to_date`). Everything is vectorised:
ids become dense indices once, a (person, target) pair becomes one int64 key looked up in a hash index, distinct
dates are `np.unique` of pair × day keys, periods are a pairs × periods boolean matrix. A city's year of actuals
(~1 M rows) takes a few seconds (bench/progress_bench.py).

Anomalies: a `contact`, `community` or `household` row whose person is not linked to its target in PLAN counts
toward no obligation (not even grassroots days) and is listed. `research` and `reception` rows need no link.
The independent recomputation is planner/check/progress.py; it shares no code with this module.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

import numpy as np
import pandas as pd

from planner.problem import Problem
from planner.rules import Rules
from planner.supervision import office
from planner.supervision.dense import (
    _available,
    _Counts,
    _counts,
    _Links,
    _links,
    _required_periods,
    _Rows,
    _rows,
    _Year,
    _year,
)

OBLIGATIONS = ("leader_contact", "leader_days", "all_offices", "unit_visits", "unit_days", "cadre_visits",
               "cadre_days", "talks", "cadre_grassroots_days", "office_leader_contact", "office_all_communities",
               "reports")
COLUMNS = ("obligation", "person_kind", "person_id", "target_kind", "target_id", "required", "planned_to_date",
           "done", "left_days", "periods_missed", "status")
STATUSES = ("met", "cannot_meet", "behind", "on_track")
# obligations whose spread periods are judged, with the rule giving their period length in months
SPREAD = {"leader_contact": "leader_period_months", "unit_visits": "unit_period_months",
          "cadre_visits": "cadre_period_months", "office_leader_contact": "office_leader_period_months"}
# the visit-count obligations that make up the by-office / by-unit completion figures
COMPLETION = ("leader_contact", "unit_visits", "cadre_visits")
VISIT_COLUMNS = ("date", "person_kind", "person_id", "activity", "target_kind", "target_id", "role", "talk")


@dataclass(frozen=True, eq=False)
class Progress:
    """The obligations table and what the bulletin and the app draw from it."""

    as_of: date
    table: pd.DataFrame        # COLUMNS, one row per obligation
    missed: pd.DataFrame       # obligation, person_kind, person_id, target_id, period, first_month, last_month
    anomalies: pd.DataFrame    # the unlinked actual rows (visit columns)
    monthly: pd.DataFrame      # level (office|unit), id, month (1..12), done, planned, required — cumulative, capped
    target_office: pd.Series   # table row → office id of its target ('' when none); for the office view
    person_unit: pd.Series     # table row → unit id of its person ('' for leaders)
    # research reports (≤ D) by people who owe none; None when no reports were given
    reports_not_owed: pd.DataFrame | None = field(default=None)


# -- the table -----------------------------------------------------------------------------------------------------
def compute_progress(problem: Problem, plan_pairs: dict[str, pd.DataFrame], plan_visits: pd.DataFrame,
                     actuals: pd.DataFrame, as_of: date, reports: pd.DataFrame | None = None,
                     report_due: pd.DataFrame | None = None) -> Progress:
    """The obligations table as of `as_of` (rows of either visits frame dated after it are ignored).

    `plan_pairs` holds the plan's leader_offices, unit_communities and cadre_households; `actuals` has the visit
    columns (validated by planner.supervision.actuals). With `reports` (validated by planner.reports.handed) the
    `reports` obligation is added (planner.supervision.report_progress), due dates from the plan's `report_due`
    (None: from the rules); without, it is not judged."""
    rules: Rules = problem.rules
    yr = _year(problem)
    as_of_day = int(np.clip((as_of - yr.first).days, -1, yr.n_days - 1))
    ids = {"leader": problem.leaders["leader_id"], "unit": problem.units["unit_id"],
           "cadre": problem.cadres["cadre_id"], "office": problem.offices["office_id"],
           "community": problem.communities["community_id"], "household": problem.households["household_id"],
           "office_leader": problem.office_leaders["person_id"]}
    idx = {k: pd.Index(v.astype(str)) for k, v in ids.items()}
    n = {k: len(v) for k, v in idx.items()}
    community_office = idx["office"].get_indexer(pd.Index(problem.communities["office_id"].astype(str)))
    household_community = idx["community"].get_indexer(pd.Index(problem.households["community_id"].astype(str)))
    household_office = np.where(household_community >= 0, community_office[household_community], -1)
    cadre_unit = idx["unit"].get_indexer(pd.Index(problem.cadres["unit_id"].astype(str)))
    links = _links(plan_pairs, idx)

    act_rows, act_keep = _rows(actuals, yr, as_of_day, idx)
    plan_rows, _ = _rows(plan_visits, yr, as_of_day, idx)
    done = _counts(act_rows, links, n, community_office, yr.n_days + 1)
    planned = _counts(plan_rows, links, n, community_office, yr.n_days + 1)

    avail = {k: _available(problem, yr, k, idx[k]) for k in ("leader", "unit", "cadre", "office_leader")}
    left = {k: avail[k][:, as_of_day + 1:].sum(axis=1).astype(np.int64) for k in avail}
    v = rules.visits
    blocks: list[pd.DataFrame] = []
    missed_parts: list[pd.DataFrame] = []

    def block(obligation: str, pkind: str, person: np.ndarray, tkind: str, target: np.ndarray | None,
              required: np.ndarray | int, plan_n: np.ndarray, done_n: np.ndarray,
              periods: np.ndarray | None = None, office: np.ndarray | None = None,
              unit: np.ndarray | None = None) -> None:
        m = len(person)
        pid = idx[pkind].to_numpy()[person] if m else np.zeros(0, dtype=object)
        tid = idx[tkind].to_numpy()[target] if (target is not None and m) else np.full(m, "", dtype=object)
        off = idx["office"].to_numpy()
        office_id = np.where(office >= 0, off[np.maximum(office, 0)], "") if (office is not None and m) else \
            np.full(m, "", dtype=object)
        un = idx["unit"].to_numpy()
        unit_id = np.where(unit >= 0, un[np.maximum(unit, 0)], "") if (unit is not None and m) else \
            np.full(m, "", dtype=object)
        blocks.append(pd.DataFrame({
            "obligation": obligation, "person_kind": pkind, "person_id": pid,
            "target_kind": tkind if target is not None else "", "target_id": tid,
            "required": np.broadcast_to(np.asarray(required, dtype=np.int64), (m,)),
            "planned_to_date": plan_n, "done": done_n, "left_days": left[pkind][person],
            "periods_missed": pd.array(periods, dtype="Int64") if periods is not None else pd.array([None] * m,
                                                                                                   dtype="Int64"),
            "_office": office_id, "_unit": unit_id}))

    def spread(obligation: str, pkind: str, pair_person: np.ndarray, pair_target: np.ndarray, pair_of_row: np.ndarray,
               target_kind: str) -> np.ndarray:
        months = int(getattr(v, SPREAD[obligation]))
        n_periods = -(-12 // months)
        required = _required_periods(avail[pkind], yr, months, v.spread_min_workdays)[pair_person]
        period_end = np.append(yr.month_start[np.arange(months, 12, months)], yr.n_days) - 1
        ended = period_end <= as_of_day
        covered = np.zeros((len(pair_person), n_periods), dtype=bool)
        ok = pair_of_row >= 0
        covered[pair_of_row[ok], yr.day_month[act_rows.day[ok]] // months] = True
        missed = required & ended[None, :] & ~covered
        rows, periods = np.nonzero(missed)
        if len(rows):
            missed_parts.append(pd.DataFrame({
                "obligation": obligation, "person_kind": pkind,
                "person_id": idx[pkind].to_numpy()[pair_person[rows]], "target_kind": target_kind,
                "target_id": idx[target_kind].to_numpy()[pair_target[rows]],
                "period": periods, "first_month": periods * months + 1,
                "last_month": np.minimum(periods * months + months, 12)}))
        out: np.ndarray = missed.sum(axis=1)
        return out

    # leaders
    lp, lt = links.lo_person, links.lo_target
    block("leader_contact", "leader", lp, "office", lt, v.leader_contact, planned.lc_dates, done.lc_dates,
          spread("leader_contact", "leader", lp, lt, done.lc_pair, "office"), office=lt)
    tiers = problem.leaders["tier"].astype(str).to_numpy()
    all_leaders = np.arange(n["leader"])
    block("leader_days", "leader", all_leaders, "", None,
          np.asarray([rules.grassroots_days.for_tier(t) for t in tiers], dtype=np.int64),
          planned.leader_days, done.leader_days)
    if v.all_offices_once and n["leader"] and n["office"]:
        grid_l, grid_o = np.divmod(np.arange(n["leader"] * n["office"]), n["office"])
        block("all_offices", "leader", grid_l, "office", grid_o, 1, planned.all_offices.ravel(),
              done.all_offices.ravel(), office=grid_o)
    # units
    up, ut = links.uc_person, links.uc_target
    uc_office = community_office[ut] if len(ut) else ut
    block("unit_visits", "unit", up, "community", ut, v.unit_community, planned.uc_rows, done.uc_rows,
          spread("unit_visits", "unit", up, ut, done.uc_pair, "community"), office=uc_office, unit=up)
    block("unit_days", "unit", up, "community", ut, v.unit_community_days, planned.uc_dates, done.uc_dates,
          office=uc_office, unit=up)
    # cadres
    cp, ct = links.ch_person, links.ch_target
    ch_office, ch_unit = (household_office[ct], cadre_unit[cp]) if len(ct) else (ct, ct)
    block("cadre_visits", "cadre", cp, "household", ct, v.cadre_household, planned.ch_rows, done.ch_rows,
          spread("cadre_visits", "cadre", cp, ct, done.ch_pair, "household"), office=ch_office, unit=ch_unit)
    block("cadre_days", "cadre", cp, "household", ct, v.cadre_household_days, planned.ch_dates, done.ch_dates,
          office=ch_office, unit=ch_unit)
    block("talks", "cadre", cp, "household", ct, v.talks_per_household, planned.ch_talks, done.ch_talks,
          office=ch_office, unit=ch_unit)
    ranks = problem.cadres["rank"].astype(str).replace("", "staff").to_numpy() if n["cadre"] else np.zeros(0, str)
    counted = np.flatnonzero(np.isin(ranks, ("head", "section")))
    block("cadre_grassroots_days", "cadre", counted, "", None,
          np.asarray([rules.grassroots_days.for_rank(r) for r in ranks[counted]], dtype=np.int64),
          planned.cadre_days[counted], done.cadre_days[counted], unit=cadre_unit[counted])

    # office leaders (the office level; supervision/office.py)
    person_office = idx["office"].get_indexer(pd.Index(problem.office_leaders["office_id"].astype(str)))
    op = office.office_pairs(plan_pairs, idx, person_office)
    if len(op.office):
        n_c = n["community"]
        block("office_leader_contact", "office_leader", op.person, "community", op.target, v.office_leader_contact,
              office.contact_dates(plan_rows, op, n_c, yr.n_days + 1),
              office.contact_dates(act_rows, op, n_c, yr.n_days + 1),
              spread("office_leader_contact", "office_leader", op.person, op.target,
                     office.contact_pair_of_rows(act_rows, op, n_c), "community"), office=community_office[op.target])
        if v.office_all_communities:
            grid_p, grid_c, done_n = office.all_communities_grid(act_rows, op, community_office)
            _, _, plan_n = office.all_communities_grid(plan_rows, op, community_office)
            block("office_all_communities", "office_leader", grid_p, "community", grid_c, 1, plan_n, done_n,
                  office=community_office[grid_c])
    reports_not_owed = None
    if reports is not None:
        from planner.supervision.report_progress import report_block

        handed = report_block(problem, reports, as_of, report_due)
        blocks.append(handed.table)
        missed_parts.append(handed.missed)
        reports_not_owed = handed.not_owed
    table = pd.concat(blocks, ignore_index=True)
    table["status"] = status_of(table["required"].to_numpy(), table["done"].to_numpy(),
                                table["planned_to_date"].to_numpy(), table["left_days"].to_numpy())
    target_office, person_unit = table.pop("_office"), table.pop("_unit")
    missed_frame = pd.concat(missed_parts, ignore_index=True) if missed_parts else pd.DataFrame(
        columns=["obligation", "person_kind", "person_id", "target_kind", "target_id", "period", "first_month",
                 "last_month"])
    kept = actuals.iloc[act_keep] if len(actuals) else actuals
    anomaly_rows = np.union1d(done.anomaly, office.anomalies(act_rows, op, community_office, n["community"]))
    anomalies = kept.iloc[anomaly_rows][[c for c in VISIT_COLUMNS if c in kept.columns]].reset_index(drop=True)
    monthly = _monthly(problem, yr, as_of_day, links, act_rows, plan_rows, done, planned, rules, idx,
                       community_office, household_office, cadre_unit)
    return Progress(as_of, table[list(COLUMNS)], missed_frame, anomalies, monthly, target_office, person_unit,
                    reports_not_owed)


def status_of(required: np.ndarray, done: np.ndarray, planned: np.ndarray, left: np.ndarray) -> np.ndarray:
    """met ≥ required; cannot_meet when the gap exceeds the days left; behind when under the plan; else on_track."""
    return np.select([done >= required, required - done > left, done < planned], ["met", "cannot_meet", "behind"],
                     "on_track").astype(object)


def _monthly(problem: Problem, yr: _Year, as_of_day: int, links: _Links, act_rows: _Rows, plan_rows: _Rows,
             done: _Counts, planned: _Counts, rules: Rules, idx: dict[str, pd.Index], community_office: np.ndarray,
             household_office: np.ndarray, cadre_unit: np.ndarray) -> pd.DataFrame:
    """Cumulative visits per month end, each pair capped at its minimum, summed by office and by unit."""
    last_month = int(yr.day_month[max(as_of_day, 0)]) + 1 if as_of_day >= 0 else 0
    v = rules.visits
    parts = []
    spec = ((links.lo_target, None, v.leader_contact, done.lc_pair, planned.lc_pair, True, "office"),
            (links.uc_target, links.uc_person, v.unit_community, done.uc_pair, planned.uc_pair, False, "community"),
            (links.ch_target, links.ch_person, v.cadre_household, done.ch_pair, planned.ch_pair, False, "household"))
    for target, person, required, done_pair, plan_pair, distinct, tkind in spec:
        n_pairs = len(target)
        if n_pairs == 0:
            continue
        office = target if tkind == "office" else community_office[target] if tkind == "community" else \
            household_office[target]
        unit = None if person is None else person if tkind == "community" else cadre_unit[person]

        def cumulative(pair: np.ndarray, rows: _Rows, distinct: bool = distinct, n_pairs: int = n_pairs,
                       required: int = required) -> np.ndarray:
            ok = pair >= 0
            keys = pair[ok] * (yr.n_days + 1) + rows.day[ok]
            if distinct:
                keys = np.unique(keys)
            month = yr.day_month[keys % (yr.n_days + 1)]
            grid = np.bincount((keys // (yr.n_days + 1)) * 12 + month, minlength=n_pairs * 12).reshape(n_pairs, 12)
            capped: np.ndarray = np.minimum(np.cumsum(grid, axis=1), required)
            return capped

        d, p = cumulative(done_pair, act_rows), cumulative(plan_pair, plan_rows)
        for level, group, ids in (("office", office, idx["office"]), ("unit", unit, idx["unit"])):
            if group is None:
                continue
            ok = group >= 0
            frame = pd.DataFrame(d[ok], columns=range(1, 13)).assign(_g=group[ok]).groupby("_g").sum()
            plan_frame = pd.DataFrame(p[ok], columns=range(1, 13)).assign(_g=group[ok]).groupby("_g").sum()
            req = pd.Series(required, index=group[ok]).groupby(level=0).sum()
            for month in range(1, last_month + 1):
                parts.append(pd.DataFrame({"level": level, "id": ids.to_numpy()[frame.index.to_numpy()],
                                           "month": month, "done": frame[month].to_numpy(),
                                           "planned": plan_frame[month].to_numpy(), "required": req.to_numpy()}))
    if not parts:
        return pd.DataFrame(columns=["level", "id", "month", "done", "planned", "required"])
    out = pd.concat(parts, ignore_index=True)
    return out.groupby(["level", "id", "month"], as_index=False, sort=True)[["done", "planned", "required"]].sum()


def period_label(first_month: int, last_month: int, lang: str = "zh") -> str:
    if first_month == last_month:
        return f"{first_month}月" if lang == "zh" else f"month {first_month}"
    return f"{first_month}–{last_month}月" if lang == "zh" else f"months {first_month}–{last_month}"


def day_after(d: date) -> date:
    return d + timedelta(days=1)
