"""AppTest for issue 16's polish: Chinese everywhere a user reads, plain words, names next to codes."""

from __future__ import annotations

from planner.model import ENUM_LABELS_ZH, TABLE_BY_STEM
from planner.ui.i18n import t
from tests.ui.conftest import goto
from tests.ui.test_pages import changed_zip


def test_preview_shows_chinese_columns_and_values(make_app):
    at = make_app()
    preview = at.dataframe[1].value   # counts, then the preview of the first table (offices)
    offices = TABLE_BY_STEM["offices"]
    assert list(preview.columns) == [c.zh for c in offices.columns]
    kinds = set(preview[offices.column("kind").zh])
    assert kinds <= set(ENUM_LABELS_ZH["office_kind"].values()) and kinds
    assert not {"office_id", "name", "kind"} & set(preview.columns)


def test_uploader_has_a_chinese_label_and_intro_follows_the_source(make_app):
    at = make_app()
    assert t("data.upload") in [m.value.strip("*") for m in at.markdown]
    assert "COLLAPSED" in str(at.file_uploader(key="data_upload").label_visibility)
    assert at.caption[0].value == t("data.intro")   # the demo is loaded
    at.file_uploader(key="data_upload").upload("district.zip", changed_zip())
    at.run()
    assert at.caption[0].value == t("data.intro_own")   # no more "the demo is loaded" after an upload


def test_identical_upload_says_so_and_changes_nothing(make_app):
    at = make_app()
    at.file_uploader(key="data_upload").upload("district.zip", changed_zip())
    at.run()
    ws = at.session_state["workspace"]
    problem, revision = ws.problem, ws.revision
    at.file_uploader(key="data_upload").upload("again.zip", changed_zip())
    at.run()
    assert not at.exception
    assert ws.problem is problem and ws.revision == revision
    assert [i.value for i in at.info] == [t("data.same", source="again.zip")]
    assert not at.success


def test_engine_progress_words_are_translated_or_hidden():
    from planner.ui.components import progress_message

    assert progress_message("exact model 2/5") == t("progress.msg.exact", a="2", b="5") == "精确优化第 2/5 部分"
    assert progress_message("constructive") == t("progress.msg.constructive")
    assert progress_message("1234 visits") == t("progress.msg.visits", a="1234")
    assert progress_message("some new engine word") == ""   # never English in the Chinese UI


def test_plain_quality_in_office_words():
    from planner.ui.pages.solve import plain_quality

    optimal = {"gap": 0.0, "stages": [{"status": "optimal"}, {"status": "optimal"}]}
    feasible = {"gap": 0.0042, "stages": [{"status": "optimal"}, {"status": "feasible"}]}
    assert plain_quality(optimal, []) == t("solve.plain_optimal")
    assert plain_quality(feasible, []) == t("solve.plain_gap", gap="0.4%")
    assert "0.4%" in plain_quality(feasible, []) and "下界" not in plain_quality(feasible, [])
    assert plain_quality(feasible, [("缺", "missing")]) == t("solve.plain_violations", n=1)


def _with_small_plan(make_app, estimated: bool = False):
    """The demo data with a hand-made plan (no solve): enough for the Results views."""
    from tests.export.conftest import make_plan

    at = make_app()
    ws = at.session_state["workspace"]
    plan = make_plan()
    plan.report.update({"year": 2027, "estimated_calendar": estimated, "gap": 0.0, "stages": []})
    ws.set_plan(plan, [])
    goto(at, "results")
    return at, ws


def test_personal_calendar_is_a_month_grid_with_names_and_ticks(make_app):
    import re

    at, ws = _with_small_plan(make_app)
    at.button_group(key="res_view").set_value("calendar").run()
    at.radio(key="res_cal_kind").set_value("cadre").run()
    at.selectbox(key="res_cal_person_cadre").set_value("G0001").run()
    assert not at.exception
    grid = next(h.proto.body for h in at.get("html") if "mg-year" in h.proto.body)
    cells = re.findall(r"<td(?: class=\"[^\"]*\")?(?: title=\"[^\"]*\")?>(\d+)(?:<sup>[^<]*</sup>)?</td>", grid)
    assert len(cells) == 365   # every day of 2027, not only the days with visits
    assert 'class="visit"' in grid and 'class="off"' in grid and 'class="hol"' in grid
    assert f"<sup>{t('cal.makeup_tag')}</sup>" in grid   # the demo's holidays table has 调休 workdays
    table = at.dataframe[-1].value
    talk = set(table[t("col.talk")])
    assert talk <= {"✓", ""} and "✓" in talk   # a tick, never 0/1
    community = ws.problem.communities.set_index("community_id").loc["C001", "name"]
    assert f"H00012 {community}" in set(table[t("col.target")])   # names next to codes (households: community)


def test_holiday_warning_only_without_makeup_days(make_app):
    at, _ = _with_small_plan(make_app, estimated=True)
    assert not at.warning   # the demo's holidays table gives the make-up days of 2027
    at2, ws2 = _with_small_plan(make_app, estimated=True)
    object.__setattr__(ws2.problem, "holidays", ws2.problem.holidays.iloc[0:0])   # no 调休 rows given
    at2.run()
    assert [w.value for w in at2.warning] == [t("data.estimated", year=2027)]
    assert "holidays" not in at2.warning[0].value


def test_map_has_a_unit_legend_and_burden_axis_in_chinese_months(make_app):
    at, ws = _with_small_plan(make_app)
    at.button_group(key="res_view").set_value("map").run()
    assert not at.exception
    legend = next(h.proto.body for h in at.get("html") if t("map.legend") in h.proto.body)
    assert "U001 " + ws.problem.units.set_index("unit_id").loc["U001", "name"] in legend
    from planner.ui.pages.results import month_label_expr

    assert "月" in month_label_expr()


def test_exports_are_prepared_in_the_background_with_chinese_calendar_names(make_app):
    import io
    import zipfile

    from planner.ui.downloads import PREPARED

    at, ws = _with_small_plan(make_app)
    goto(at, "export")
    jobs = [PREPARED.get(key, f"{ws.plan_key}:zh", lambda: b"") for key in ("export_xlsx", "export_ics", "export_csv")]
    for job in jobs:
        job.result(timeout=120)
    at.run()
    assert not at.exception
    buttons = {b.key: b for b in at.get("download_button")}
    assert {"export_xlsx", "export_ics", "export_csv"} <= set(buttons)
    assert not any(b.proto.disabled for b in buttons.values())   # ready: every button downloads at once
    names = zipfile.ZipFile(io.BytesIO(jobs[1].result())).namelist()
    assert names and all(n.split("-", 1)[0] in {t("person.leader"), t("person.unit"), t("person.cadre")}
                         for n in names)
    assert not any(n.startswith(("leader-", "unit-", "cadre-")) for n in names)


def test_audit_entries_read_in_chinese():
    from planner.rules import rule_fields
    from planner.ui.i18n import rule_label
    from planner.ui.pages.history import audit_text

    label = rule_label(dict(rule_fields())["assign.cadre_max_households"], "zh")
    assert audit_text("version 2 saved (solve, optimal, 2759 visits)") == t(
        "audit.saved", version="2", kind=t("vkind.solve"), status=t("status.optimal"), visits="2759")
    assert audit_text("rules: assign.cadre_max_households 5→6") == t("audit.rules", items=f"{label} 5→6")
    assert audit_text("locks: pins (+1), forbidden (-2 ~1)") == t("audit.locks", parts="锁定结对（+1）、禁止结对（-2 ~1）")
    assert audit_text("initial input: offices 5, households 300") == t("audit.initial_input",
                                                                          parts="办事处 5、联系户 300")
    assert audit_text("something new") == "something new"   # unknown forms stay as stored


def test_history_filters_and_rule_modes_in_chinese(make_app):
    at = make_app()
    goto(at, "history")
    assert not at.exception
    assert all(m.proto.placeholder == t("common.choose") for m in at.multiselect)
    whats = set(at.dataframe[-1].value[t("history.col_what")])
    assert whats and not any(w.startswith(("initial input", "initial rules", "scenario '")) for w in whats)
    goto(at, "rules")
    modes = [s for s in at.selectbox if set(s.options) <= {t("rules.mode_strict"), t("rules.mode_prefer")}]
    assert modes and "strict" not in modes[0].options
