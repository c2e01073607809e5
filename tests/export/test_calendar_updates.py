"""Calendar updates across plan versions: stable UIDs, SEQUENCE bumps, cancellations, and a real CalDAV merge."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from icalendar import Calendar

from planner.errors import InputError
from planner.export.ics import build_calendars, export_ics, ics_zip_bytes, previous_export
from planner.export.ics_revision import CANCELLED_PREFIX, published_events
from planner.plan import Plan, write_plan
from tests.export.conftest import make_plan

MOVED = ("2027-03-15", "cadre", "G0001", "household", "household", "H00012", "", 0)
MOVED_TO = "2027-03-22"
REMOVED = ("2027-01-07", "unit", "U002", "community", "community", "C002", "", 0)   # U002's only visit
ADDED = ("2027-05-05", "leader", "L02", "contact", "office", "B02", "", 0)


def _new_plan() -> Plan:
    """The second version: one cadre visit moved, the unit U002's only visit removed, a leader visit added."""
    old = make_plan()
    visits = old.visits.copy()
    as_tuples = [tuple(r) for r in visits.itertuples(index=False)]
    visits.loc[as_tuples.index(MOVED), "date"] = MOVED_TO
    visits = visits.drop(index=as_tuples.index(REMOVED))
    visits = pd.concat([visits, pd.DataFrame([ADDED], columns=visits.columns)], ignore_index=True)
    return Plan(old.leader_offices, old.unit_communities, old.cadre_households, visits, old.report, old.names)


def _events(files: dict[str, bytes]) -> dict[str, tuple[str, date, int, str, str]]:
    """UID → (file, date, SEQUENCE, STATUS, SUMMARY) over every calendar."""
    out = {}
    for name, data in files.items():
        for event in Calendar.from_ical(data).events:
            uid = str(event["UID"])
            assert uid not in out, f"duplicate UID {uid}"
            out[uid] = (name, event.decoded("DTSTART"), int(event.get("SEQUENCE", 0)), str(event.get("STATUS", "")),
                        str(event["SUMMARY"]))
    return out


def _live(events: dict[str, tuple[str, date, int, str, str]]) -> list[tuple[str, date]]:
    return sorted((v[0].split("-")[1], v[1]) for v in events.values() if v[3] != "CANCELLED")


def _expected(plan: Plan) -> list[tuple[str, date]]:
    return sorted((p, date.fromisoformat(d)) for p, d in zip(plan.visits["person_id"], plan.visits["date"],
                                                              strict=True))


def test_a_moved_visit_keeps_its_uid_with_a_higher_sequence(tmp_path: Path) -> None:
    old = _events(dict(build_calendars(make_plan())))
    export_ics(make_plan(), tmp_path / "ics")
    export_ics(_new_plan(), tmp_path / "ics")     # the folder being replaced is the previous state
    new = _events({p.name: p.read_bytes() for p in (tmp_path / "ics").iterdir()})
    moved = [uid for uid, v in new.items() if v[1] == date.fromisoformat(MOVED_TO)]
    assert len(moved) == 1 and moved[0] in old and old[moved[0]][1] == date.fromisoformat(MOVED[0])
    assert new[moved[0]][2] == 1 and new[moved[0]][3] == ""
    unchanged = [uid for uid in old if uid in new and new[uid][1] == old[uid][1] and new[uid][3] == ""]
    assert len(unchanged) == len(old) - 2 and all(new[uid][2] == 0 for uid in unchanged)
    assert _live(new) == _expected(_new_plan())


def test_a_removed_visit_is_cancelled_in_the_file_it_came_from(tmp_path: Path) -> None:
    export_ics(make_plan(), tmp_path / "ics")
    export_ics(_new_plan(), tmp_path / "ics")
    new = _events({p.name: p.read_bytes() for p in (tmp_path / "ics").iterdir()})
    cancelled = [v for v in new.values() if v[3] == "CANCELLED"]
    assert len(cancelled) == 1
    file, day, sequence, _, summary = cancelled[0]
    assert file.startswith("unit-U002") and day == date.fromisoformat(REMOVED[0]) and sequence == 1
    assert summary.startswith(CANCELLED_PREFIX)
    only = Calendar.from_ical((tmp_path / "ics" / file).read_bytes())
    assert len(only.events) == 1 and "已取消 1 项活动" in str(only["X-WR-CALDESC"])


def test_exporting_again_changes_nothing_and_repeats_cancellations(tmp_path: Path) -> None:
    out = tmp_path / "ics"
    export_ics(make_plan(), out)
    first = {p.name: p.read_bytes() for p in out.iterdir()}
    export_ics(make_plan(), out)
    assert {p.name: p.read_bytes() for p in out.iterdir()} == first   # same plan, same bytes
    export_ics(_new_plan(), out)
    second = {p.name: p.read_bytes() for p in out.iterdir()}
    export_ics(_new_plan(), out)
    assert {p.name: p.read_bytes() for p in out.iterdir()} == second  # cancellation kept, same SEQUENCE


def test_a_visit_back_after_cancellation_gets_a_new_revision(tmp_path: Path) -> None:
    out = tmp_path / "ics"
    export_ics(make_plan(), out)
    export_ics(_new_plan(), out)
    export_ics(make_plan(), out)
    events = _events({p.name: p.read_bytes() for p in out.iterdir()})
    back = next(v for v in events.values() if v[0].startswith("unit-U002"))
    assert back[3] == "" and back[2] == 2 and not back[4].startswith(CANCELLED_PREFIX)
    added = [v for v in events.values() if v[1] == date.fromisoformat(ADDED[0])]
    assert [v[3] for v in added] == ["CANCELLED"]   # the visit only the second version had
    assert _live(events) == _expected(make_plan())


def test_previous_as_plan_folder_or_calendar_folder(tmp_path: Path) -> None:
    write_plan(make_plan(), tmp_path / "plan1")
    export_ics(make_plan(), tmp_path / "ics1")
    for source in (tmp_path / "plan1", tmp_path / "ics1"):
        out = tmp_path / f"new-{source.name}"
        export_ics(_new_plan(), out, previous=source)
        events = _events({p.name: p.read_bytes() for p in out.iterdir()})
        assert sum(v[3] == "CANCELLED" for v in events.values()) == 1
        assert sum(v[2] == 1 and v[3] == "" for v in events.values()) == 1
    with pytest.raises(InputError):
        previous_export(None, tmp_path, 2027)   # neither kind of folder


def test_the_store_path_compares_with_a_previous_plan() -> None:
    import io
    import zipfile

    with zipfile.ZipFile(io.BytesIO(ics_zip_bytes(_new_plan(), previous=make_plan()))) as archive:
        events = _events({n: archive.read(n) for n in archive.namelist()})
    assert sum(v[3] == "CANCELLED" for v in events.values()) == 1 and _live(events) == _expected(_new_plan())


def test_other_years_in_the_previous_export_are_left_alone() -> None:
    previous = published_events(build_calendars(make_plan()), 2026)
    assert previous == {}   # last year's events are history: never cancelled by this year's plan


def test_fast_writer_matches_icalendar_with_sequences_and_cancellations() -> None:
    before = published_events(build_calendars(make_plan()), 2027)
    fast = dict(build_calendars(_new_plan(), previous=before))
    assert fast == dict(build_calendars(_new_plan(), fast=False, previous=before))


def test_target_names_stand_next_to_codes() -> None:
    descriptions = {str(e.get("DESCRIPTION", "")) for data in dict(build_calendars(make_plan())).values()
                    for e in Calendar.from_ical(data).events}
    assert "走访对象：东城办事处（B01）" in descriptions
    assert "走访对象：幸福里社区（C001）" in descriptions
    assert any(d.startswith("走访对象：幸福里社区（C001） 联系户 H00012") for d in descriptions)


# -- a real CalDAV server ---------------------------------------------------------------------------------------------
def _import(calendar: object, files: dict[str, bytes]) -> None:
    """What a client's "import .ics" does on CalDAV: each event stored under its UID (an existing UID replaced)."""
    for data in files.values():
        source = Calendar.from_ical(data)
        for event in source.events:
            one = Calendar()
            for key in ("PRODID", "VERSION"):
                one[key] = source[key]
            one.add_component(event)
            # verbatim, as an import stores it (caldav's default would bump SEQUENCE once more on each save)
            calendar.add_event(one.to_ical().decode("utf-8"), increase_seqno=False)   # type: ignore[attr-defined]


@pytest.mark.slow
def test_radicale_holds_the_new_plan_after_importing_old_then_new(tmp_path: Path, caldav_calendar: object) -> None:
    out = tmp_path / "ics"
    export_ics(make_plan(), out)
    _import(caldav_calendar, {p.name: p.read_bytes() for p in out.iterdir()})
    export_ics(_new_plan(), out)
    _import(caldav_calendar, {p.name: p.read_bytes() for p in out.iterdir()})

    stored = [Calendar.from_ical(obj.data) for obj in caldav_calendar.events()]   # type: ignore[attr-defined]
    uids = [str(e["UID"]) for cal in stored for e in cal.events]
    assert len(uids) == len(set(uids))                                             # nothing duplicated
    live = sorted((str(e["SUMMARY"]), e.decoded("DTSTART")) for cal in stored for e in cal.events
                  if str(e.get("STATUS", "")) != "CANCELLED")
    expected = sorted((str(e["SUMMARY"]), e.decoded("DTSTART")) for _, data in build_calendars(_new_plan())
                      for e in Calendar.from_ical(data).events)
    assert live == expected and len(live) == len(_new_plan().visits)              # = the new plan
    cancelled = [e for cal in stored for e in cal.events if str(e.get("STATUS", "")) == "CANCELLED"]
    assert [e.decoded("DTSTART") for e in cancelled] == [date.fromisoformat(REMOVED[0])]
    moved = [e for cal in stored for e in cal.events if e.decoded("DTSTART") == date.fromisoformat(MOVED_TO)]
    assert len(moved) == 1 and int(moved[0]["SEQUENCE"]) == 1
    # a date-range search (what a client's agenda view asks) no longer shows the moved visit's old day
    day = date.fromisoformat(MOVED[0])
    found = caldav_calendar.search(event=True, start=day, end=date(day.year, day.month, day.day + 1))  # type: ignore[attr-defined]
    assert not [o for o in found if "G0001" in o.data or "入户走访" in o.data]


def test_the_fast_reader_agrees_with_icalendar() -> None:
    tricky = make_plan(person_name='a,b;c\\d\ne "x" ' + "很长的名字" * 20, community_name="社区;,\\" + "长" * 40)
    for plan in (tricky, _new_plan()):
        files = list(build_calendars(plan, previous=published_events(build_calendars(make_plan()), 2027)))
        fast = published_events(files, 2027)
        assert fast == published_events(files, 2027, fast=False) and len(fast) >= len(plan.visits)
    names = {e.calendar_name for e in published_events(build_calendars(tricky), 2027).values()}
    assert '2027年联系服务群众计划：a,b;c\\d\ne "x" ' + "很长的名字" * 20 in names


# -- any sequence of versions, imported by a strict client --------------------------------------------------------
def _version(base: Plan, keep: list[bool], shift: list[int], extra: list[int]) -> Plan:
    """A plan version: some of base's visits dropped, some moved by a few days, some extra household visits."""
    rows = []
    for (row, kept, days) in zip(base.visits.itertuples(index=False), keep, shift, strict=False):
        if kept:
            day = min(max(date.fromisoformat(row.date).toordinal() + days, FIRST_DAY), LAST_DAY)   # within the year
            rows.append((date.fromordinal(day).isoformat(), *tuple(row)[1:]))
    for n in extra:
        rows.append((date(2027, 1 + n % 12, 1 + n % 28).isoformat(), "cadre", "G0001", "household", "household",
                     "H00013", "", n % 2))
    visits = pd.DataFrame(rows, columns=base.visits.columns)
    return Plan(base.leader_offices, base.unit_communities, base.cadre_households, visits, base.report, base.names)


def _strict_import(store: dict[str, tuple[int, str, date, str]], files: dict[str, bytes]) -> None:
    """RFC 5546 as a strict client applies it: an event replaces the held one only with a SEQUENCE not lower, and
    changed content needs a higher SEQUENCE (else the update is ignored)."""
    for data in files.values():
        for event in Calendar.from_ical(data).events:
            uid, seq = str(event["UID"]), int(event.get("SEQUENCE", 0))
            new = (seq, str(event.get("STATUS", "")), event.decoded("DTSTART"), str(event["SUMMARY"]))
            held = store.get(uid)
            if held is None or seq > held[0] or (seq == held[0] and new == held):
                store[uid] = new


_VISITS = len(make_plan().visits)
FIRST_DAY, LAST_DAY = date(2027, 1, 1).toordinal(), date(2027, 12, 31).toordinal()
_VERSIONS = st.tuples(st.lists(st.booleans(), min_size=_VISITS, max_size=_VISITS),
                      st.lists(st.integers(-3, 3), min_size=_VISITS, max_size=_VISITS),
                      st.lists(st.integers(0, 40), max_size=4))


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(_VERSIONS, min_size=1, max_size=3))
def test_any_chain_of_versions_ends_with_the_last_plan(tmp_path: Path, versions: list[tuple[list[bool], list[int],
                                                                                             list[int]]]) -> None:
    out = tmp_path / "chain"
    import shutil

    shutil.rmtree(out, ignore_errors=True)
    store: dict[str, tuple[int, str, date, str]] = {}
    plans = [make_plan(), *(_version(make_plan(), *v) for v in versions)]
    for plan in plans:
        export_ics(plan, out)
        _strict_import(store, {p.name: p.read_bytes() for p in out.iterdir()})
    live = sorted((day, summary) for _, status, day, summary in store.values() if status != "CANCELLED")
    expected = sorted((e.decoded("DTSTART"), str(e["SUMMARY"])) for _, data in build_calendars(plans[-1])
                      for e in Calendar.from_ical(data).events)
    assert live == expected


def test_the_reader_takes_bare_line_feeds_too() -> None:
    files = list(build_calendars(make_plan()))
    rewritten = [(name, data.replace(b"\r\n", b"\n")) for name, data in files]
    assert published_events(rewritten, 2027) == published_events(files, 2027)


def test_a_redacted_export_over_an_unredacted_one_names_no_household(tmp_path: Path) -> None:
    """An unredacted export went to other readers: a redacted one over it neither repeats nor cancels its events
    (their UIDs hash real household ids); between redacted exports, updates work as usual."""
    out = tmp_path / "ics"
    export_ics(make_plan(), out)
    export_ics(_new_plan(), out, redact=True)
    text = b"".join(p.read_bytes() for p in out.iterdir()).decode("utf-8")
    assert "CANCELLED" not in text and not [h for h in make_plan().cadre_households["household_id"] if h in text]
    assert dict(build_calendars(_new_plan(), redact=True)) == {p.name: p.read_bytes() for p in out.iterdir()}
    export_ics(make_plan(), out, redact=True)
    events = _events({p.name: p.read_bytes() for p in out.iterdir()})
    assert [v[1] for v in events.values() if v[3] == "CANCELLED"] == [date.fromisoformat(ADDED[0])]
    assert all(uid.endswith("@redacted.planner.local") for uid in events)
