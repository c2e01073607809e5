"""Spot checks (随机抽查): a reproducible stratified sample of household visits, and the filled file read back.

Sampling frame: the recorded `household` rows dated ≤ D (after deduplication), sorted by date, cadre, household so
that the file's row order does not matter. Strata: the visiting cadre's unit (from DATA; one stratum when no DATA
is given). Allocation: proportional to each unit's recorded visits, rounded by the largest-remainder method (ties
to the smaller unit id), so the sizes add up to N exactly; N larger than the frame takes every row. Within a stratum
rows are drawn without replacement by numpy's PCG64 seeded with S: same inputs and seed, same sample.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd

from planner.errors import InputError, Issue
from planner.io.normalize import normalize_header
from planner.io.read import parse_csv
from planner.io.validate import parse_dates
from planner.problem import Problem

SAMPLE_COLUMNS = ("date", "person_kind", "person_id", "activity", "target_kind", "target_id")
FILL_COLUMNS = ("confirmed", "checked_by", "note")
HEADERS_ZH = {"date": "日期", "person_kind": "人员类别", "person_id": "人员编号", "activity": "活动",
              "target_kind": "对象类别", "target_id": "对象编号", "confirmed": "回访确认", "checked_by": "回访人",
              "note": "备注"}
YES = {"yes", "y", "1", "是", "确认", "属实", "true"}
NO = {"no", "n", "0", "否", "不属实", "未确认", "false"}


def allocate(counts: pd.Series, n: int) -> pd.Series:
    """Largest-remainder proportional allocation of n over strata sizes `counts` (index = stratum, sorted)."""
    counts = counts.sort_index()
    total = int(counts.sum())
    if total == 0 or n <= 0:
        return pd.Series(0, index=counts.index, dtype=np.int64)
    n = min(n, total)
    quota = counts.to_numpy(dtype=float) * n / total
    base = np.floor(quota).astype(np.int64)
    rest = n - int(base.sum())
    frac = quota - base
    order = sorted(range(len(counts)), key=lambda i: (-frac[i], i))
    for i in order[:rest]:
        base[i] += 1
    return pd.Series(np.minimum(base, counts.to_numpy()), index=counts.index, dtype=np.int64)


def draw_sample(visits: pd.DataFrame, as_of: date, n: int, seed: int, problem: Problem | None = None) -> pd.DataFrame:
    """The sample as the file to fill in: SAMPLE_COLUMNS + FILL_COLUMNS (empty), rows sorted by unit, date."""
    frame = visits.loc[(visits["activity"] == "household")
                       & (pd.to_datetime(visits["date"]) <= pd.Timestamp(as_of))].copy()
    frame["date"] = pd.to_datetime(frame["date"]).dt.strftime("%Y-%m-%d")
    frame = frame.drop_duplicates(subset=list(SAMPLE_COLUMNS))
    frame = frame.sort_values(["date", "person_id", "target_id"], kind="stable").reset_index(drop=True)
    frame["_unit"] = unit_of(frame["person_id"], problem)
    sizes = allocate(frame.groupby("_unit").size(), n)
    rng = np.random.default_rng(seed)
    picked = []
    for unit, k in sizes.items():
        rows = np.flatnonzero((frame["_unit"] == unit).to_numpy())
        if k > 0:
            picked.append(np.sort(rng.choice(rows, size=int(k), replace=False)))
    chosen = frame.iloc[np.concatenate(picked)] if picked else frame.iloc[:0]
    out = chosen[list(SAMPLE_COLUMNS)].copy()
    for column in FILL_COLUMNS:
        out[column] = ""
    return out.reset_index(drop=True)


def unit_of(cadre_ids: pd.Series, problem: Problem | None) -> pd.Series:
    if problem is None:
        return pd.Series("", index=cadre_ids.index, dtype=object)
    lookup = dict(zip(problem.cadres["cadre_id"].astype(str), problem.cadres["unit_id"].astype(str), strict=True))
    return cadre_ids.astype(str).map(lookup).fillna("")


def read_checks(path: str | Path, problem: Problem | None = None) -> pd.DataFrame:
    """The filled sample back: SAMPLE_COLUMNS + confirmed (True / False / NA when not yet called) + checked_by.

    English or Chinese headers; an unreadable confirmed value or date is an InputError (file, row, column)."""
    path = Path(path)
    if not path.is_file():
        raise InputError([Issue(str(path), None, None, "找不到抽查结果文件", "checks file not found")])
    frame, issue = parse_csv(path.read_bytes(), path.name)
    if issue is not None or frame is None:
        raise InputError([issue or Issue(path.name, None, None, "无法读取", "cannot read")])
    lookup = {**{k: k for k in HEADERS_ZH}, **{v: k for k, v in HEADERS_ZH.items()}}
    frame = frame.rename(columns={c: lookup.get(normalize_header(c), lookup.get(normalize_header(c).lower(), c))
                                  for c in frame.columns})
    issues = [Issue(path.name, 1, c, f"缺少必需的列 {c}（{HEADERS_ZH[c]}）", f"missing required column {c}")
              for c in (*SAMPLE_COLUMNS, "confirmed") if c not in frame.columns]
    if issues:
        raise InputError(issues)
    text = frame.astype(str).apply(lambda s: s.str.strip())
    text = text.loc[~(text == "").all(axis=1)]
    rows = text.index.to_numpy() + 2
    answer = text["confirmed"].str.lower()
    bad = ~answer.isin(YES | NO | {""})
    for row, value in zip(rows[bad.to_numpy()], text["confirmed"][bad], strict=True):
        issues.append(Issue(path.name, int(row), "confirmed", f"“回访确认”的值 “{value}” 无效，应为 是/否（yes/no）或留空",
                            f"'confirmed': invalid value '{value}', expected yes/no or empty", value))
    dates = parse_dates(text["date"])
    for row, value in zip(rows[dates.isna().to_numpy()], text["date"][dates.isna()], strict=True):
        issues.append(Issue(path.name, int(row), "date", f"日期 “{value}” 无效", f"invalid date '{value}'", value))
    if issues:
        raise InputError(issues)
    out = text[list(SAMPLE_COLUMNS)].copy()
    out["confirmed"] = pd.array([True if a in YES else False if a in NO else None for a in answer], dtype="boolean")
    out["checked_by"] = text.get("checked_by", "")
    out["unit_id"] = unit_of(out["person_id"], problem)
    return out.reset_index(drop=True)


def confirmation_rates(checks: pd.DataFrame) -> pd.DataFrame:
    """unit_id, checked (answered), confirmed, not_confirmed, pending (not yet called), rate = confirmed / checked."""
    answered = checks["confirmed"].notna()
    frame = pd.DataFrame({"unit_id": checks["unit_id"].astype(str),
                          "checked": answered.astype(int).to_numpy(),
                          "confirmed": (checks["confirmed"].fillna(False) & answered).astype(int).to_numpy(),
                          "not_confirmed": ((~checks["confirmed"].fillna(True)) & answered).astype(int).to_numpy(),
                          "pending": (~answered).astype(int).to_numpy()})
    out = frame.groupby("unit_id", sort=True).sum().reset_index()
    out["rate"] = np.where(out["checked"] > 0, out["confirmed"] / out["checked"].clip(lower=1), np.nan)
    return out


def write_sample(sample: pd.DataFrame, path: str | Path) -> Path:
    from planner.io.safe import write_csv

    out = Path(path)
    write_csv(sample, out)
    return out
