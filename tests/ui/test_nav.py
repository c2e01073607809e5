"""AppTest of page navigation (planner.ui.nav): the menu switches pages and keeps the language and the scenario in
the address; a new session on the same server (what a browser refresh makes) takes back its author's running solve;
an unknown ?page= name is ignored."""

from __future__ import annotations

from planner.ui.resources import running_job
from tests.ui.conftest import app_home, goto, make_app  # noqa: F401  (fixtures)


def test_the_menu_switches_pages_and_keeps_the_scenario_in_the_address(make_app) -> None:  # noqa: F811
    at = make_app()
    assert at.header[0].value == "数据" and at.sidebar.radio(key="nav").value == "data"
    at.query_params["scenario"] = at.session_state["workspace"].scenario
    goto(at, "history")
    assert at.header[0].value == "历史" and at.sidebar.radio(key="nav").value == "history"
    assert at.query_params["scenario"] == at.session_state["workspace"].scenario
    at.query_params["page"] = "nowhere"
    at.run()
    assert not at.exception and at.header[0].value == "历史" and "page" not in at.query_params


def test_a_new_session_takes_back_its_running_solve(make_app) -> None:  # noqa: F811
    first = make_app()
    goto(first, "solve")
    first.button(key="solve_start").click().run()
    job = first.session_state["workspace"].job
    assert job is not None
    try:
        second = make_app()                         # a refresh: a new session on the same server
        ws = second.session_state["workspace"]
        if not job.done:
            assert ws.job is job
            goto(second, "solve")
            assert not second.button(key="solve_start").value and second.button(key="solve_start").disabled
            assert running_job(ws.store, ws.scenario, "someone else") is None   # only its author's
    finally:
        job.cancel()
        job.wait(120)
