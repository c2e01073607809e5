"""The engine's progress table equals the independent recomputation (planner/check/progress.py) on random actuals."""

from __future__ import annotations

from datetime import date, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from planner.check.progress import compare_progress, recompute_progress
from planner.supervision.progress import compute_progress
from tests.supervision.helpers import PAIRS, actuals, problem, visits

PEOPLE = [("leader", "L1", "contact", "office", ["B01", "Z01"]), ("leader", "L2", "research", "community",
                                                                    ["C01", "C03"]),
          ("leader", "L3", "research", "office", ["B01", "Z01"]), ("unit", "U1", "community", "community",
                                                                    ["C01", "C03"]),
          ("unit", "U2", "community", "community", ["C03", "C04"]), ("cadre", "G1", "household", "household",
                                                                      ["H01", "H02", "H06"]),
          ("cadre", "G4", "household", "household", ["H06", "H01"]), ("cadre", "G3", "research", "community",
                                                                       ["C01"]),
          ("cadre", "G3", "household", "household", ["H03"])]
START = date(2026, 1, 1)

row = st.tuples(st.integers(0, 364), st.sampled_from(range(len(PEOPLE))), st.integers(0, 2), st.integers(0, 1))


def _frame(rows: list[tuple[int, int, int, int]]):  # type: ignore[no-untyped-def]
    out = []
    for day, who, pick, talk in rows:
        pk, pid, act, tk, targets = PEOPLE[who]
        out.append(((START + timedelta(days=day)).isoformat(), pk, pid, act, tk, targets[pick % len(targets)],
                    talk if act == "household" else 0))
    return visits(*out)


@settings(max_examples=40)
@given(done=st.lists(row, max_size=60), plan=st.lists(row, max_size=40), as_of=st.integers(0, 364),
       away=st.booleans())
def test_engine_equals_independent(done, plan, as_of, away) -> None:  # type: ignore[no-untyped-def]
    prob = problem([("G1", "2026-03-10", "2026-05-20"), ("L2", "2026-11-01", "2026-12-31")] if away else None)
    d = START + timedelta(days=as_of)
    act = actuals(prob, _frame(done))
    plan_frame = _frame(plan)
    engine = compute_progress(prob, PAIRS, plan_frame, act.visits, d).table
    independent = recompute_progress(prob, PAIRS, plan_frame, act.visits, d)
    assert compare_progress(engine, independent) == []


def test_compare_finds_a_difference() -> None:
    prob = problem()
    act = actuals(prob, _frame([(4, 5, 0, 1)]))
    engine = compute_progress(prob, PAIRS, visits(), act.visits, date(2026, 6, 30)).table
    independent = recompute_progress(prob, PAIRS, visits(), act.visits, date(2026, 6, 30))
    assert compare_progress(engine, independent) == []
    independent.loc[independent["obligation"] == "talks", "done"] += 1
    assert compare_progress(engine, independent)
