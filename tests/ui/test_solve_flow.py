"""AppTest for the solve workflow on the bundled demo: solve, results, lock from the plan, re-solve, export,
reopening from the store, an infeasible rule set and a cancelled solve."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from planner.ui.downloads import plan_zip_bytes, read_plan_zip
from planner.ui.i18n import t
from planner.ui.pages.locks import EDITOR_KEY
from tests.ui.conftest import APP, goto, set_fast_solver, solve


def pair_set(plan, name):
    frame = plan.cadre_households if name == "cadre_households" else getattr(plan, name)
    return set(map(tuple, frame.astype(str).to_numpy()))


@pytest.mark.slow
def test_solve_results_lock_resolve_export_and_reopen(make_app, app_home):
    at = make_app()
    set_fast_solver(at)
    ws = at.session_state["workspace"]
    assert ws.rules.solver.time_limit == 15.0
    solve(at)
    assert ws.plan is not None, ws.last_outcome
    assert at.success and "求解完成" in at.success[0].value
    assert ws.violations is not None
    plain = {t("solve.plain_optimal"), t("solve.plain_met"), t("solve.plain_violations", n=len(ws.violations))}
    gap = ws.plan.report.get("gap")
    if gap is not None:
        plain.add(t("solve.plain_gap", gap=f"{max(float(gap), 0.0):.1%}"))
    assert plain & {m.value for m in at.markdown}   # the quality in office words, no solver terms
    assert ws.version == 1 and ws.store_error is None  # each solved plan is also a version in the store
    first = ws.plan

    goto(at, "results")
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["联系户覆盖率"] == "100.0%"
    assert metrics["各项最低要求"] == ("全部满足" if not ws.violations else f"{len(ws.violations)} 处未满足")
    assert t("kpi.time") in metrics and t("kpi.gap") in metrics
    views = at.button_group(key="res_view")
    assert views.options[:3] == ["结对表", "工作量", "地图"] or views.value == "assign"
    # the pair table filters by office
    office = ws.problem.offices["office_id"].iloc[0]
    at.selectbox(key="res_pairs_office.zh").set_value(office).run()
    shown = at.dataframe[0].value
    assert len(shown) and set(shown["办事处"]) == {office}

    # every view draws without error
    for view in ("assign", "workload", "map", "heatmap", "calendar", "burden", "diff"):
        at.button_group(key="res_view").set_value(view).run()
        assert not at.exception, (view, at.exception)
    at.button_group(key="res_view").set_value("assign").run()

    # forbid the first cadre pair shown on the Locks page (e.g. a conflict of interest)
    goto(at, "locks")
    at.radio(key="locks_kind").set_value("cadre_household").run()
    editor = at.session_state[EDITOR_KEY]
    at.session_state[editor] = {"edited_rows": {"0": {"forbid": True}}, "added_rows": [], "deleted_rows": []}
    at.run()
    at.button(key="locks_save").click().run()
    assert not at.exception
    forbidden = ws.problem.forbidden
    locked = forbidden[forbidden["kind"] == "cadre_household"]
    pair = next(p for p in zip(locked["subject_id"], locked["target_id"], strict=True)
                if p in pair_set(first, "cadre_households"))
    assert ws.stale
    # the lock shows as such in the results table
    goto(at, "results")
    at.selectbox(key="res_pairs_kind.zh").set_value("cadre_household").run()
    at.text_input(key="res_pairs_search").input(pair[1]).run()
    table = at.dataframe[0].value
    assert list(table["锁定"]) == ["×"]

    # keep this plan as "last year's" to see the differences after the re-solve
    goto(at, "data")
    at.button(key="data_prev_current").click().run()
    assert ws.previous is first

    # re-solve starts from the current plan: the forbidden pair goes, almost every other pair stays
    solve(at)
    assert ws.plan is not first and not ws.stale
    assert ws.version == 2
    after = pair_set(ws.plan, "cadre_households")
    assert pair not in after
    before = pair_set(first, "cadre_households")
    assert len(before & after) >= 0.99 * len(before) - 1
    goto(at, "results")
    at.button_group(key="res_view").set_value("diff").run()
    summary = at.dataframe[0].value
    assert int(summary.loc[summary["结对类型"] == "党员干部 → 联系户", "有变化"].iloc[0]) >= 1

    goto(at, "export")
    keys = {b.key for b in at.get("download_button")}
    assert {"export_xlsx", "export_ics", "export_csv"} <= keys
    again = read_plan_zip("plan.zip", plan_zip_bytes(ws.plan))
    assert pair_set(again, "cadre_households") == after

    # closing the browser and reopening shows the last state
    reopened = AppTest.from_file(APP, default_timeout=60).run()
    restored = reopened.session_state["workspace"]
    assert restored.plan is not None
    assert pair_set(restored.plan, "cadre_households") == after
    assert len(restored.problem.pins) == len(ws.problem.pins)
    assert restored.rules.solver.time_limit == 15.0


@pytest.mark.slow
def test_infeasible_rules_are_explained(make_app):
    at = make_app()
    set_fast_solver(at)
    at.number_input(key="rule:assign.cadre_max_households").set_value(1).run()
    ws = at.session_state["workspace"]
    assert ws.rules.assign.cadre_max_households == 1
    solve(at)
    assert ws.plan is None
    assert at.error and "规则无法同时满足" in at.error[0].value
    assert any("可以这样调整" in i.value for i in at.info)
    assert len(at.markdown) >= 1  # one line per conflict


def test_cancel_stops_the_solve(make_app, monkeypatch):
    """Independent of engine speed: a stand-in solve reports progress, then waits until it is cancelled."""
    from planner import solve as pipeline
    from planner.progress import Cancelled

    def waiting_solve(problem, previous=None, control=None, **_):
        control.report("assign.units", "solution", objective=10.0, bound=5.0)
        if not control._cancelled.wait(60):
            raise AssertionError("never cancelled")
        raise Cancelled()

    monkeypatch.setattr(pipeline, "solve_plan", waiting_solve)
    at = make_app()
    goto(at, "solve")
    at.button(key="solve_start").click().run()
    ws = at.session_state["workspace"]
    job = ws.job
    assert job is not None and not job.done
    assert at.button(key="solve_cancel")  # the progress panel offers a stop button
    # in words first (stage, time); the solver's numbers folded into a details expander
    assert [m.label for m in at.metric] == [t("solve.stage"), t("solve.elapsed"), t("solve.objective"), t("solve.bound")]
    assert at.expander[-1].label == t("solve.details")
    assert at.caption and not any("constructive" in c.value or "solution" in c.value for c in at.caption)
    at.button(key="solve_cancel").click().run()
    assert job.wait(30) and job.control.cancelled
    at.run()
    assert ws.plan is None and ws.version is None
    assert at.warning and "已停止" in at.warning[0].value
