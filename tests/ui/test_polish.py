"""AppTest for issue 16's polish: Chinese everywhere a user reads, plain words, names next to codes."""

from __future__ import annotations

from planner.model import ENUM_LABELS_ZH, TABLE_BY_STEM
from planner.ui.i18n import t
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
