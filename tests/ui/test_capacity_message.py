"""The app shows the minimum cut's explanation when the cadres cannot take the households (as the CLI's exit 3)."""

from __future__ import annotations

import re

import pytest

from planner.errors import InfeasibleError
from tests.ui.conftest import set_fast_solver, solve


@pytest.mark.slow
def test_short_capacity_names_communities_units_and_numbers(make_app):
    at = make_app()
    set_fast_solver(at)
    at.number_input(key="rule:assign.cadre_max_households").set_value(1).run()
    ws = at.session_state["workspace"]
    solve(at)
    outcome = ws.last_outcome
    assert isinstance(outcome, InfeasibleError) and ws.plan is None
    capacity = [c for c in outcome.conflicts if c.rule == "capacity"]
    assert capacity, outcome.render("en")
    shown = [m.value for m in at.markdown]
    for conflict in capacity:
        assert f"- {conflict.render('zh')}" in shown
        need, can, short = map(int, re.search(r"共 (\d+) 户联系户，能联系它们的.*最多只能联系 (\d+) 户（缺 (\d+) 户）",
                                               conflict.message_zh).groups())
        assert need - can == short > 0
    total_short = sum(int(re.search(r"缺 (\d+) 户", c.message_zh).group(1)) for c in capacity)
    assert total_short >= ws.problem.n_households - int(ws.problem.cadres["capacity"].sum())
