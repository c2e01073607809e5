"""Calendars parse back with icalendar: one per person, one all-day event per visit row, importable headers."""

from __future__ import annotations

import io
import zipfile
from collections import Counter
from datetime import date, timedelta
from pathlib import Path

import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st
from icalendar import Calendar
from icalendar.parser.string import _escape_char, _foldline, _unescape_char

from planner.export.ics import _escape, _fold, build_calendars, export_ics, ics_zip_bytes
from planner.plan import Plan, read_plan, write_plan
from tests.export.conftest import make_plan


def _parse_dir(folder: Path) -> dict[str, Calendar]:
    return {p.name: Calendar.from_ical(p.read_bytes()) for p in sorted(folder.glob("*.ics"))}


def _person_of(cal: Calendar) -> str:
    """The person's name from X-WR-CALNAME (icalendar parses X- properties without unescaping them)."""
    return str(_unescape_char(str(cal["X-WR-CALNAME"]))).split("：", 1)[1]


def test_one_calendar_per_person_with_one_event_per_visit(small_plan: Plan, tmp_path: Path) -> None:
    n = export_ics(small_plan, tmp_path)
    calendars = _parse_dir(tmp_path)
    assert n == len(calendars) == small_plan.visits[["person_kind", "person_id"]].drop_duplicates().shape[0]
    expected = Counter(small_plan.visits["person_id"])
    for name, cal in calendars.items():
        person_id = name.split("-")[1]
        events = cal.events
        assert len(events) == expected[person_id], name
        dates = sorted(small_plan.visits.loc[small_plan.visits["person_id"] == person_id, "date"])
        assert sorted(e.decoded("dtstart").isoformat() for e in events) == dates


def test_events_are_all_day_in_shanghai_and_importable(small_plan: Plan, tmp_path: Path) -> None:
    export_ics(small_plan, tmp_path)
    for name, cal in _parse_dir(tmp_path).items():
        raw = (tmp_path / name).read_bytes().decode("utf-8")
        assert raw.startswith("BEGIN:VCALENDAR\r\n")
        assert str(cal["VERSION"]) == "2.0" and str(cal["CALSCALE"]) == "GREGORIAN"
        assert str(cal["METHOD"]) == "PUBLISH" and cal.get("PRODID")
        assert str(cal["X-WR-TIMEZONE"]) == "Asia/Shanghai"
        assert [str(tz["TZID"]) for tz in cal.walk("VTIMEZONE")] == ["Asia/Shanghai"]
        assert "DTSTART;VALUE=DATE:" in raw
        for event in cal.events:
            start, end = event.decoded("dtstart"), event.decoded("dtend")
            assert type(start) is date and type(end) is date  # all-day, not datetime
            assert end - start == timedelta(days=1)
            assert event.get("UID") and event.get("DTSTAMP") and event.get("SUMMARY")


def test_a_second_parser_reads_every_calendar_line_by_the_rfc(small_plan: Plan, tmp_path: Path) -> None:
    """vobject (the parser CalDAV servers such as Radicale use) reads every file the same way; CRLF line ends and
    lines folded to at most 75 octets (RFC 5545 §3.1), which strict importers such as Outlook's require."""
    import vobject

    export_ics(small_plan, tmp_path)
    expected = Counter(small_plan.visits["person_id"])
    for path in sorted(tmp_path.glob("*.ics")):
        raw = path.read_bytes()
        assert raw.count(b"\r\n") == raw.count(b"\n")
        assert max(len(line) for line in raw.split(b"\r\n")) <= 75
        events = vobject.readOne(raw.decode("utf-8")).vevent_list
        assert len(events) == expected[path.name.split("-")[1]]
        for event in events:
            assert type(event.dtstart.value) is date and event.uid.value and event.summary.value


def test_chinese_summaries_say_whom_and_where_and_mark_talks(small_plan: Plan) -> None:
    summaries = {str(e["SUMMARY"]) for _, data in build_calendars(small_plan)
                 for e in Calendar.from_ical(data).events}
    assert {"入户走访：幸福里社区 H00012（谈心谈话）", "入户走访：幸福里社区 H00013", "联系点：东城办事处",
            "基层调研：西城办事处", "信访接待（A角）", "信访接待（B角）", "进社区：幸福里社区",
            "基层调研：幸福里社区"} <= summaries


def test_uids_unique_and_export_reproducible(small_plan: Plan) -> None:
    first = dict(build_calendars(small_plan))
    second = dict(build_calendars(make_plan()))
    assert first == second
    uids = [str(e["UID"]) for data in first.values() for e in Calendar.from_ical(data).events]
    assert len(uids) == len(set(uids)) == len(small_plan.visits)


def test_duplicate_visit_rows_still_get_distinct_uids(small_plan: Plan) -> None:
    visits = pd.concat([small_plan.visits, small_plan.visits.iloc[[0]]], ignore_index=True)
    plan = Plan(small_plan.leader_offices, small_plan.unit_communities, small_plan.cadre_households, visits,
                small_plan.report, small_plan.names)
    uids = [str(e["UID"]) for _, data in build_calendars(plan) for e in Calendar.from_ical(data).events]
    assert len(uids) == len(set(uids)) == len(visits)


def test_plan_read_back_from_folder_exports_identically(small_plan: Plan, tmp_path: Path) -> None:
    write_plan(small_plan, tmp_path / "plan")
    again = read_plan(tmp_path / "plan", require_visits=True)
    assert dict(build_calendars(again)) == dict(build_calendars(small_plan))


def test_file_names_are_safe_and_unique(tmp_path: Path) -> None:
    plan = make_plan(person_name="../王/书\\记:*?")
    out = tmp_path / "ics"
    export_ics(plan, out)
    files = list(out.iterdir())
    assert len(files) == 6 and all(f.parent == out for f in files)
    leader = next(f.name for f in files if f.name.startswith("leader-L01"))
    assert not any(ch in leader for ch in '/\\:*?"<>|') and ".." not in leader
    assert _person_of(Calendar.from_ical((out / leader).read_bytes())) == "../王/书\\记:*?"


def test_zip_holds_one_file_per_person(small_plan: Plan, tmp_path: Path) -> None:
    data = ics_zip_bytes(small_plan)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        names = archive.namelist()
        assert sorted(names) == sorted(name for name, _ in build_calendars(small_plan))
        assert len(names) == small_plan.visits["person_id"].nunique()
        total = sum(len(Calendar.from_ical(archive.read(n)).events) for n in names)
    assert total == len(small_plan.visits)
    assert data == ics_zip_bytes(make_plan())  # reproducible bytes


def test_redact_hides_household_ids_with_stable_pseudonyms(small_plan: Plan) -> None:
    redacted = dict(build_calendars(small_plan, redact=True))
    text = b"".join(redacted.values()).decode("utf-8")
    for household in small_plan.cadre_households["household_id"]:
        assert household not in text
    cadre = Calendar.from_ical(next(v for k, v in redacted.items() if k.startswith("cadre-G0001")))
    labels = [str(e["SUMMARY"]).split(" ")[1].split("（")[0] for e in cadre.events if "入户走访" in str(e["SUMMARY"])]
    assert all(label.startswith("户-") for label in labels)
    assert len(set(labels)) == 2  # H00012 twice, H00013 once: same household, same pseudonym
    assert redacted == dict(build_calendars(make_plan(), redact=True))


def test_no_visits_writes_no_calendar(tmp_path: Path) -> None:
    plan = make_plan()
    empty = Plan(plan.leader_offices, plan.unit_communities, plan.cadre_households, plan.visits.iloc[0:0],
                 plan.report, plan.names)
    assert export_ics(empty, tmp_path / "none") == 0
    assert (tmp_path / "none").is_dir() and not list((tmp_path / "none").iterdir())


def test_fast_writer_matches_icalendar_byte_for_byte() -> None:
    # commas, semicolons, backslashes, a newline and a name long enough to fold: all escaped/folded by icalendar
    tricky = make_plan(person_name='a,b;c\\d\ne "x" ' + "很长的名字" * 20, community_name="社区;,\\" + "长" * 40)
    for plan in (make_plan(), tricky):
        for redact in (False, True):
            assert dict(build_calendars(plan, redact=redact)) == dict(build_calendars(plan, redact, fast=False))
    leader = next(data for name, data in build_calendars(tricky) if name.startswith("leader-L01"))
    cal = Calendar.from_ical(leader)
    assert _person_of(cal) == 'a,b;c\\d\ne "x" ' + "很长的名字" * 20
    assert all(len(line) <= 75 for line in leader.split(b"\r\n"))
    summaries = {str(e["SUMMARY"]) for e in Calendar.from_ical(
        next(data for name, data in build_calendars(tricky) if name.startswith("unit-U001"))).events}
    assert summaries == {"进社区：社区;,\\" + "长" * 40}  # event TEXT is unescaped on parsing


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("ab,;:\\^\n\r\"N 社区很长名字🙂")), max_size=120))
def test_escape_and_fold_agree_with_icalendar(text: str) -> None:
    escaped = _escape(text)
    assert escaped == _escape_char(text)
    line = "SUMMARY:" + escaped
    assert _fold(line) == _foldline(line)


def test_guarded_names_read_back_without_the_apostrophe(tmp_path: Path) -> None:
    plan = make_plan(person_name="=王书记", community_name="-幸福里社区")
    write_plan(plan, tmp_path / "plan")
    assert "'=王书记" in (tmp_path / "plan" / "names.csv").read_text(encoding="utf-8-sig")   # CSV stays guarded
    again = read_plan(tmp_path / "plan", require_visits=True)
    text = b"".join(data for _, data in build_calendars(again)).decode("utf-8")
    assert "=王书记" in text and "-幸福里社区" in text and "'=" not in text and "'-" not in text
    assert dict(build_calendars(again)) == dict(build_calendars(plan))
