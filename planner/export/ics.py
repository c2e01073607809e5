"""One RFC 5545 calendar per person (leader, unit, cadre): all-day events that phones and Outlook import.

Reproducible on purpose: each visit keeps one UID across plan versions and DTSTAMP is fixed from the plan's year, so
exporting the same plan twice gives byte-identical files; compared with the previous export a moved visit gets a
higher SEQUENCE and a vanished one comes back as STATUS:CANCELLED, so re-importing updates a calendar instead of
duplicating events (planner.export.ics_revision, docs/CALENDAR_UPDATES.md).
The Asia/Shanghai VTIMEZONE is included for calendar apps that want it (events are all-day DATE values, which
are floating by definition). `icalendar` writes the header and VTIMEZONE once; the events are written directly
in its exact form (escaping, folding, property order) from whole columns — at district scale icalendar per event
cost more CPU than the whole plan — and tests hold that writer to icalendar byte for byte and parse every file
with icalendar and vobject.
"""

from __future__ import annotations

import io
import os
import zipfile
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import numpy as np
import pandas as pd
from icalendar import Calendar, Event, Timezone, vDate, vDatetime, vText

from planner.errors import InputError, Issue
from planner.export.common import (
    PERSON_KIND_ZH,
    TALK_ZH,
    name_book,
    plan_year,
    safe_file_stem,
    unique_names,
    visit_table,
)
from planner.export.ics_revision import (
    CANCELLED,
    Published,
    Revision,
    calendar_files,
    cancellation,
    comparable,
    published_events,
    revise,
    stable_uids,
)
from planner.io.outputs import CALENDARS, check_folder, write_folder
from planner.plan import Plan, read_plan
from planner.reports.ics import due_events, due_events_text

TZID = "Asia/Shanghai"
PRODID = "-//planner//District Contact and Service Plan//ZH"
ONE_DAY = timedelta(days=1)
CALENDAR_END = b"END:VCALENDAR\r\n"


def _dated(day: date) -> vDate:
    value = vDate(day)
    value.params["VALUE"] = "DATE"
    return value


def _timezone(year: int) -> Timezone:
    return Timezone.from_tzid(TZID, first_date=date(year - 1, 1, 1), last_date=date(year + 2, 1, 1))


def _calendar_header(title: str, description: str, tz: Timezone) -> Calendar:
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal["x-wr-calname"] = vText(title)
    cal["x-wr-caldesc"] = vText(description)
    cal["x-wr-timezone"] = vText(TZID)
    cal.add_component(tz)
    return cal


def _target_text(target_kind: str, label: str, place: str, community_id: str) -> str:
    """Whom the visit is for, name next to code: "幸福里社区（C001） 联系户 H00012", "东城办事处（B01）"."""
    if target_kind == "household":
        where = f"{place}（{community_id}） " if place and community_id and place != community_id else ""
        return f"{where}联系户 {label}"
    if target_kind in ("office", "community"):
        return f"{place}（{label}）" if place and place != label else label
    return ""


def _description_text(target_kind: str, label: str, place: str, community_id: str, talk: int, role: str) -> str:
    """Only what the summary does not already say: the target with its code, the talk, the reception role."""
    lines = []
    target = _target_text(target_kind, label, place, community_id)
    if target:
        lines.append(f"走访对象：{target}")
    if talk == 1:
        lines.append(f"本次走访须开展{TALK_ZH}。")
    if role:
        lines.append(f"接待角色：{role}角")
    return "\n".join(lines)


FOLD_LIMIT = 75  # octets per content line (RFC 5545 3.1); icalendar breaks before reaching it


def _escape(text: str) -> str:
    """RFC 5545 3.3.11 TEXT escaping, in icalendar's order (its own helper is deprecated for outside use)."""
    return (text.replace("\\N", "\n").replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
            .replace("\r\n", "\\n").replace("\n", "\\n").replace("\r", "\\n"))


def _fold(line: str) -> str:
    """RFC 5545 3.1 folding exactly as icalendar does it (never inside a UTF-8 character or a backslash escape)."""
    if len(line) * 4 < FOLD_LIMIT or len(line.encode("utf-8")) < FOLD_LIMIT:
        return line
    parts: list[str] = []
    current: list[str] = []
    size = 0
    for char in line:
        width = len(char.encode("utf-8"))
        if current and size + width >= FOLD_LIMIT:
            if len(current) > 1 and current[-1] in "\\^":
                carry = current.pop()
                parts.append("".join(current))
                current, size = [carry], len(carry.encode("utf-8"))
            else:
                parts.append("".join(current))
                current, size = [], 0
        current.append(char)
        size += width
    parts.append("".join(current))
    return "\r\n ".join(parts)


@dataclass(frozen=True)
class _EventSpec:
    uid: str
    day: date
    summary: str
    place: str
    description: str
    sequence: int = 0
    status: str = ""


def _icalendar_event(spec: _EventSpec, stamp: vDatetime) -> Event:
    """The event as an icalendar component: the reference the fast writer below must reproduce byte for byte."""
    event = Event()
    event["uid"] = vText(spec.uid)
    event["dtstamp"] = stamp
    event["dtstart"] = _dated(spec.day)
    event["dtend"] = _dated(spec.day + ONE_DAY)
    event["summary"] = vText(spec.summary)
    if spec.sequence:
        event["sequence"] = spec.sequence
    if spec.place:
        event["location"] = vText(spec.place)
    if spec.description:
        event["description"] = vText(spec.description)
    if spec.status:
        event["status"] = spec.status
    return event


@dataclass(frozen=True)
class _Rows:
    """The visit table's columns as plain lists (iterating pandas per row cost seconds at district)."""

    kinds: list[str]
    pids: list[str]
    days: list[date]
    summaries: list[str]
    places: list[str]
    descriptions: list[str]

    @classmethod
    def of(cls, table: pd.DataFrame) -> _Rows:
        text = {c: table[c].to_numpy(dtype=object).astype(str).tolist() for c in
                ("person_kind", "person_id", "target_kind", "target_label", "community_id", "role", "summary")}
        places = [str(p or "") for p in table["place"].to_numpy(dtype=object).tolist()]
        talks = table["talk"].to_numpy().tolist()
        descriptions = [_description_text(tk, tl, p, c, t, r) for tk, tl, p, c, t, r in zip(
            text["target_kind"], text["target_label"], places, text["community_id"], talks, text["role"],
            strict=True)]
        return cls(text["person_kind"], text["person_id"], table["date"].to_numpy(dtype=object).tolist(),
                   text["summary"], places, descriptions)

    def fingerprints(self) -> list[tuple[date, str, str, str]]:
        return list(zip(self.days, self.summaries, self.places, self.descriptions, strict=True))

    def spec(self, i: int, uid: str, sequence: int) -> _EventSpec:
        return _EventSpec(uid, self.days[i], self.summaries[i], self.places[i], self.descriptions[i], sequence)


def _line_map(prefix: str, values: Iterable[str]) -> dict[str, str]:
    """Escaped and folded content line for each distinct value (a district has many repeats: one fold each)."""
    return {v: _fold(prefix + _escape(v)) for v in dict.fromkeys(values)}


def _fast_events(rows: _Rows, uids: list[str], sequences: list[int], stamp: str) -> list[str]:
    """Every row's VEVENT text, byte for byte as icalendar writes `_icalendar_event(spec)`, from whole columns.

    Why: building a dict per row (`to_dict("records")`) and a spec object per event cost ~8 s at district; here
    the dates and escaped lines are computed per distinct value.
    """
    day_text = {d: (f"{d:%Y%m%d}", f"{d + ONE_DAY:%Y%m%d}") for d in dict.fromkeys(rows.days)}
    summary_line = _line_map("SUMMARY:", rows.summaries)
    place_line = _line_map("LOCATION:", rows.places)
    description_line = _line_map("DESCRIPTION:", rows.descriptions)
    events = []
    for uid, sequence, day, summary, place, description in zip(
            uids, sequences, rows.days, rows.summaries, rows.places, rows.descriptions, strict=True):
        start, end = day_text[day]
        parts = ["BEGIN:VEVENT", summary_line[summary], f"DTSTART;VALUE=DATE:{start}", f"DTEND;VALUE=DATE:{end}",
                 f"DTSTAMP:{stamp}", _fold(f"UID:{uid}")]
        if sequence:
            parts.append(f"SEQUENCE:{sequence}")
        if description:
            parts.append(description_line[description])
        if place:
            parts.append(place_line[place])
        parts.append("END:VEVENT\r\n")
        events.append("\r\n".join(parts))
    return events


def _cancelled_events(revision: Revision, file: str, stamp: vDatetime) -> list[Event]:
    """The previous export's events of `file` that the new plan no longer has, as STATUS:CANCELLED."""
    out = []
    for uid, before in revision.cancelled.get(file, []):
        sequence, summary = cancellation(before)
        out.append(_icalendar_event(_EventSpec(uid, before.day, summary, before.place, before.description, sequence,
                                               CANCELLED), stamp))
    return out


def _header_template(tz: Timezone) -> list[str]:
    """The calendar header as icalendar writes it, cut at the two per-person lines: [text, "name" or "desc", ...]."""
    text = _calendar_header("T", "D", tz).to_ical().decode("utf-8")
    assert text.endswith(CALENDAR_END.decode())
    text = text[:-len(CALENDAR_END)]
    cuts = sorted((text.index(line), line, slot) for line, slot in (("X-WR-CALNAME:T\r\n", "\0name"),
                                                                    ("X-WR-CALDESC:D\r\n", "\0desc")))
    pieces, at = [], 0
    for position, line, slot in cuts:
        pieces += [text[at:position], slot]
        at = position + len(line)
    return [*pieces, text[at:]]


def build_calendars(plan: Plan, redact: bool = False, fast: bool = True, table: pd.DataFrame | None = None,
                    previous: Mapping[str, Published] | None = None) -> Iterator[tuple[str, bytes]]:
    """(file name, .ics bytes) for every person with at least one visit, ordered leader, unit, cadre, then id;
    then a file per calendar of the `previous` export (`published_events`) left with only cancellations.

    `fast=False` serialises every event and header through icalendar components (the reference; a test holds the
    fast path to it byte for byte). `table`: `visit_table(plan, redact)` when the caller already has it.
    """
    table = visit_table(plan, redact=redact) if table is None else table
    year = plan_year(plan, table)
    stamp = vDatetime(datetime(year, 1, 1, tzinfo=UTC))
    stamp_text = stamp.to_ical().decode("ascii")
    tz = _timezone(year)
    book = name_book(plan)
    rows = _Rows.of(table)
    uids = stable_uids(table, year, redacted=redact)
    revision = revise(uids, rows.fingerprints(), comparable(previous or {}, redact))
    people: list[tuple[str, str]] = []
    groups: list[np.ndarray] = []
    if len(table):
        codes = table.groupby(["person_kind", "person_id"], sort=False).ngroup().to_numpy()
        order = np.argsort(codes, kind="stable")      # rows of group 0, then group 1, ... each in table order
        bounds = np.concatenate(([0], np.cumsum(np.bincount(codes))))
        groups = [order[bounds[g]:bounds[g + 1]] for g in range(len(bounds) - 1)]
        people = [(rows.kinds[g[0]], rows.pids[g[0]]) for g in groups]
    stems = unique_names(safe_file_stem(kind, pid, book.name(kind, pid)) for kind, pid in people)
    files = [f"{stem}.ics" for stem in stems]
    # a previous file is matched ignoring case (as file systems do); one not written again keeps only cancellations
    ours = {f.lower(): f for f in files}
    into: dict[str, list[str]] = {}   # new file (or the previous one, kept) → previous files cancelled into it
    for previous_file in revision.cancelled:
        into.setdefault(ours.get(previous_file.lower(), previous_file), []).append(previous_file)
    head = _header_template(tz) if fast else None
    events = _fast_events(rows, uids, revision.sequences, stamp_text) if fast else []
    due = due_events(plan, year, stamp)   # research-report due dates (planner/reports/ics.py)
    due_text = due_events_text(due) if fast else {}
    for file, group, (kind, pid) in zip(files, groups, people, strict=True):
        person_name = book.name(kind, pid)
        title = f"{year}年联系服务群众计划：{person_name}"
        desc = f"{PERSON_KIND_ZH.get(kind, kind)} {pid} {person_name}，共 {len(group)} 项活动"
        cancelled = [e for f in into.get(file, []) for e in _cancelled_events(revision, f, stamp)]
        body: list[str] | list[_EventSpec] = [events[i] for i in group] + [due_text.get(pid, "")] if fast else [
            rows.spec(i, uids[i], revision.sequences[i]) for i in group]
        extra = [] if fast else due.get(pid, [])
        yield file, _calendar_bytes(title, desc, tz, stamp, head, body, [*extra, *cancelled])
    for file in sorted(set(into) - set(files)):
        cancelled = _cancelled_events(revision, file, stamp)
        desc = f"已取消 {len(cancelled)} 项活动"
        yield file, _calendar_bytes(revision.titles.get(file, file), desc, tz, stamp, head, [], cancelled)


def _calendar_bytes(title: str, desc: str, tz: Timezone, stamp: vDatetime, head: list[str] | None,
                    events: list[str] | list[_EventSpec], cancelled: list[Event]) -> bytes:
    """One calendar: through icalendar (`head` None) or from the fast writer's header template and event texts.
    `cancelled`: ready-made components after the visits (report due dates in the reference path, cancellations)."""
    if head is None:
        cal = _calendar_header(title, desc, tz)
        for spec in events:
            assert isinstance(spec, _EventSpec)
            cal.add_component(_icalendar_event(spec, stamp))
        for event in cancelled:
            cal.add_component(event)
        return cal.to_ical()
    lines = {"\0name": _fold("X-WR-CALNAME:" + _escape(title)) + "\r\n",
             "\0desc": _fold("X-WR-CALDESC:" + _escape(desc)) + "\r\n"}
    text = "".join(lines.get(piece, piece) for piece in head)
    body = "".join([*(e for e in events if isinstance(e, str)), *(e.to_ical().decode("utf-8") for e in cancelled)])
    return (text + body).encode("utf-8") + CALENDAR_END


def previous_files(source: str | Path, redact: bool) -> list[tuple[str, bytes]]:
    """The previous export named by `--previous`: a calendar folder as it is, or a plan folder's calendars."""
    path = Path(source)
    files = calendar_files(path)
    if files:
        return files
    if path.is_dir() and (path / "visits.csv").is_file():
        return list(build_calendars(read_plan(path, require_visits=True), redact=redact))
    raise InputError([Issue(os.fspath(source), None, None,
                            "既不是 planner 写出的日历文件夹，也不是计划文件夹（--previous）",
                            "is neither a calendar folder nor a plan folder written by planner (--previous)")])


def previous_export(out_dir: Path | None, previous: str | Path | None, year: int,
                    redact: bool = False) -> dict[str, Published]:
    """The state a new export is compared with: `previous` if given (a calendar or plan folder), else the planner
    calendar folder about to be replaced at `out_dir` (nothing for a new or empty folder)."""
    if previous is not None:
        files = previous_files(previous, redact)
    elif out_dir is not None:
        files = calendar_files(Path(out_dir))
    else:
        files = []
    return published_events(files, year)


def export_ics(plan: Plan, out_dir: Path, redact: bool = False, inputs: Iterable[str | Path | None] = (),
               table: pd.DataFrame | None = None, previous: str | Path | None = None) -> int:
    """Write one .ics per person as the folder `out_dir`, replacing only a new path, an empty folder or calendars
    we wrote before (planner.io.outputs), updating what that folder (or `previous`) held: moved visits get a higher
    SEQUENCE, vanished ones STATUS:CANCELLED (planner.export.ics_revision). Returns the number of files written."""
    written: list[str] = []
    inputs = list(inputs)
    check_folder(out_dir, CALENDARS, inputs)   # refuse before reading anything from it
    table = visit_table(plan, redact=redact) if table is None else table
    before = previous_export(out_dir, previous, plan_year(plan, table), redact)

    def fill(folder: Path) -> None:
        for name, data in build_calendars(plan, redact=redact, table=table, previous=before):
            (folder / name).write_bytes(data)
            written.append(name)

    write_folder(out_dir, CALENDARS, fill, inputs)
    return len(written)


def ics_zip_bytes(plan: Plan, redact: bool = False, previous: Plan | None = None) -> bytes:
    """All calendars in one zip (the app's download button); fixed timestamps keep it reproducible. `previous`:
    the plan version exported before (e.g. the previous stored version), so moved and removed visits update."""
    buffer = io.BytesIO()
    year = plan_year(plan)
    before = published_events(build_calendars(previous, redact=redact), year) if previous is not None else None
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, data in build_calendars(plan, redact=redact, previous=before):
            info = zipfile.ZipInfo(name, date_time=(year, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            info.flag_bits |= 0x800  # UTF-8 file names (Chinese), so every unzip tool shows them right
            archive.writestr(info, data)
    return buffer.getvalue()
