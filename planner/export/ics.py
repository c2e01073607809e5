"""One RFC 5545 calendar per person (leader, unit, cadre): all-day events that phones and Outlook import.

Reproducible on purpose: UIDs are hashes of the visit itself and DTSTAMP is fixed from the plan's year, so exporting
the same plan twice gives byte-identical files and re-importing updates events instead of duplicating them.
The Asia/Shanghai VTIMEZONE is included for calendar apps that want it (events are all-day DATE values, which
are floating by definition). `icalendar` writes the header and VTIMEZONE once; the events are written directly
in its exact form (escaping, folding, property order) from whole columns — at district scale icalendar per event
cost more CPU than the whole plan — and tests hold that writer to icalendar byte for byte and parse every file
with icalendar and vobject.
"""

from __future__ import annotations

import hashlib
import io
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import numpy as np
import pandas as pd
from icalendar import Calendar, Event, Timezone, vDate, vDatetime, vText

from planner.export.common import (
    PERSON_KIND_ZH,
    TALK_ZH,
    name_book,
    plan_year,
    safe_file_stem,
    unique_names,
    visit_table,
)
from planner.io.outputs import CALENDARS, write_folder
from planner.plan import Plan
from planner.reports.ics import due_events, due_events_text

TZID = "Asia/Shanghai"
PRODID = "-//planner//District Contact and Service Plan//ZH"
UID_DOMAIN = "planner.local"
UID_HEX = 32
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


def _description(row: dict[str, object]) -> str:
    """Only what the summary does not already say (the household, the talk, the reception role)."""
    lines = []
    if row["target_kind"] == "household":
        lines.append(f"联系户：{row['target_label']}")
    if row["talk"] == 1:
        lines.append(f"本次走访须开展{TALK_ZH}。")
    if row["role"]:
        lines.append(f"接待角色：{row['role']}角")
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


def _icalendar_event(spec: _EventSpec, stamp: vDatetime) -> Event:
    """The event as an icalendar component: the reference the fast writer below must reproduce byte for byte."""
    event = Event()
    event["uid"] = vText(spec.uid)
    event["dtstamp"] = stamp
    event["dtstart"] = _dated(spec.day)
    event["dtend"] = _dated(spec.day + ONE_DAY)
    event["summary"] = vText(spec.summary)
    if spec.place:
        event["location"] = vText(spec.place)
    if spec.description:
        event["description"] = vText(spec.description)
    return event


def _event_specs(year: int, kind: str, pid: str, rows: list[dict[str, object]]) -> list[_EventSpec]:
    specs: list[_EventSpec] = []
    seen: dict[str, int] = {}
    for row in rows:
        day: date = row["date"]  # type: ignore[assignment]
        key = "|".join(str(x) for x in (year, kind, pid, day.isoformat(), row["activity"], row["target_kind"],
                                        row["target_label"], row["role"], row["talk"]))
        seen[key] = seen.get(key, 0) + 1  # identical rows (should not happen) still get distinct UIDs
        uid = hashlib.sha256(f"{key}|{seen[key]}".encode()).hexdigest()[:UID_HEX]
        specs.append(_EventSpec(f"{uid}@{UID_DOMAIN}", day, str(row["summary"]), str(row["place"] or ""),
                                _description(row)))
    return specs


def _description_text(target_kind: str, label: str, talk: int, role: str) -> str:
    """`_description` of one row from its column values (the fast writer has no row dicts)."""
    lines = []
    if target_kind == "household":
        lines.append(f"联系户：{label}")
    if talk == 1:
        lines.append(f"本次走访须开展{TALK_ZH}。")
    if role:
        lines.append(f"接待角色：{role}角")
    return "\n".join(lines)


def _line_map(prefix: str, values: Iterable[str]) -> dict[str, str]:
    """Escaped and folded content line for each distinct value (a district has many repeats: one fold each)."""
    return {v: _fold(prefix + _escape(v)) for v in dict.fromkeys(values)}


def _fast_events(table: pd.DataFrame, year: int, stamp: str) -> list[str]:
    """Every row's VEVENT text, byte for byte as icalendar writes `_icalendar_event(spec)`, from whole columns.

    Why: building a dict per row (`to_dict("records")`) and a spec object per event cost ~8 s at district; here
    the UID keys, occurrence counts, dates and escaped lines are computed per column or per distinct value.
    """
    columns = {c: table[c].to_numpy(dtype=object).astype(str).tolist() for c in
               ("person_kind", "person_id", "activity", "target_kind", "target_label", "role", "summary")}
    places = [str(p or "") for p in table["place"].to_numpy(dtype=object).tolist()]
    talks = table["talk"].to_numpy().tolist()
    days = table["date"].to_numpy(dtype=object).tolist()
    day_text = {d: (d.isoformat(), f"{d:%Y%m%d}", f"{d + ONE_DAY:%Y%m%d}") for d in dict.fromkeys(days)}
    keys = ["|".join((str(year), k, p, day_text[d][0], a, tk, tl, r, str(t))) for k, p, d, a, tk, tl, r, t in zip(
        columns["person_kind"], columns["person_id"], days, columns["activity"], columns["target_kind"],
        columns["target_label"], columns["role"], talks, strict=True)]
    # identical rows (should not happen) still get distinct UIDs: the n-th copy of a key hashes "key|n"
    seen = (pd.Series(keys, dtype=object).groupby(keys, sort=False).cumcount() + 1).tolist()
    uids = [hashlib.sha256(f"{k}|{n}".encode()).hexdigest()[:UID_HEX] for k, n in zip(keys, seen, strict=True)]
    descriptions = [_description_text(tk, tl, t, r) for tk, tl, t, r in zip(
        columns["target_kind"], columns["target_label"], talks, columns["role"], strict=True)]
    summary_line = _line_map("SUMMARY:", columns["summary"])
    place_line = _line_map("LOCATION:", places)
    description_line = _line_map("DESCRIPTION:", descriptions)
    events = []
    for uid, day, summary, place, description in zip(uids, days, columns["summary"], places, descriptions,
                                                    strict=True):
        _, start, end = day_text[day]
        parts = ["BEGIN:VEVENT", summary_line[summary], f"DTSTART;VALUE=DATE:{start}", f"DTEND;VALUE=DATE:{end}",
                 f"DTSTAMP:{stamp}", _fold(f"UID:{uid}@{UID_DOMAIN}")]
        if description:
            parts.append(description_line[description])
        if place:
            parts.append(place_line[place])
        parts.append("END:VEVENT\r\n")
        events.append("\r\n".join(parts))
    return events


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


def build_calendars(plan: Plan, redact: bool = False, fast: bool = True,
                    table: pd.DataFrame | None = None) -> Iterator[tuple[str, bytes]]:
    """(file name, .ics bytes) for every person with at least one visit, ordered leader, unit, cadre, then id.

    `fast=False` serialises every event and header through icalendar components (the reference; a test holds the
    fast path to it byte for byte). `table`: `visit_table(plan, redact)` when the caller already has it.
    """
    table = visit_table(plan, redact=redact) if table is None else table
    if not len(table):
        return
    year = plan_year(plan, table)
    stamp = vDatetime(datetime(year, 1, 1, tzinfo=UTC))
    stamp_text = stamp.to_ical().decode("ascii")
    tz = _timezone(year)
    book = name_book(plan)
    grouped = table.groupby(["person_kind", "person_id"], sort=False)
    codes = grouped.ngroup().to_numpy()
    order = np.argsort(codes, kind="stable")          # rows of group 0, then group 1, ... each in table order
    bounds = np.concatenate(([0], np.cumsum(np.bincount(codes))))
    firsts = order[bounds[:-1]]
    people = list(zip(table["person_kind"].to_numpy(dtype=object)[firsts].astype(str).tolist(),
                      table["person_id"].to_numpy(dtype=object)[firsts].astype(str).tolist(), strict=True))
    stems = unique_names(safe_file_stem(kind, pid, book.name(kind, pid)) for kind, pid in people)
    due = due_events(plan, year, stamp)   # research-report due dates (planner/reports/ics.py)
    if fast:
        events = _fast_events(table, year, stamp_text)
        head = _header_template(tz)
        due_text = due_events_text(due)
    else:
        records = table.to_dict("records")
    for g, (stem, (kind, pid)) in enumerate(zip(stems, people, strict=True)):
        rows = order[bounds[g]:bounds[g + 1]]
        person_name = book.name(kind, pid)
        title = f"{year}年联系服务群众计划：{person_name}"
        desc = f"{PERSON_KIND_ZH.get(kind, kind)} {pid} {person_name}，共 {len(rows)} 项活动"
        if not fast:
            cal = _calendar_header(title, desc, tz)
            for spec in _event_specs(year, kind, pid, [records[i] for i in rows]):
                cal.add_component(_icalendar_event(spec, stamp))
            for event in due.get(pid, []):
                cal.add_component(event)
            yield f"{stem}.ics", cal.to_ical()
            continue
        lines = {"\0name": _fold("X-WR-CALNAME:" + _escape(title)) + "\r\n",
                 "\0desc": _fold("X-WR-CALDESC:" + _escape(desc)) + "\r\n"}
        text = "".join(lines.get(piece, piece) for piece in head)
        body = "".join([events[i] for i in rows]) + due_text.get(pid, "")
        yield f"{stem}.ics", (text + body).encode("utf-8") + CALENDAR_END


def export_ics(plan: Plan, out_dir: Path, redact: bool = False, inputs: Iterable[str | Path | None] = (),
               table: pd.DataFrame | None = None) -> int:
    """Write one .ics per person as the folder `out_dir`, replacing only a new path, an empty folder or calendars
    we wrote before (planner.io.outputs); returns the number of files written."""
    written: list[str] = []

    def fill(folder: Path) -> None:
        for name, data in build_calendars(plan, redact=redact, table=table):
            (folder / name).write_bytes(data)
            written.append(name)

    write_folder(out_dir, CALENDARS, fill, inputs)
    return len(written)


def ics_zip_bytes(plan: Plan, redact: bool = False) -> bytes:
    """All calendars in one zip (the app's download button); fixed timestamps keep it reproducible."""
    buffer = io.BytesIO()
    year = plan_year(plan)
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, data in build_calendars(plan, redact=redact):
            info = zipfile.ZipInfo(name, date_time=(year, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            info.flag_bits |= 0x800  # UTF-8 file names (Chinese), so every unzip tool shows them right
            archive.writestr(info, data)
    return buffer.getvalue()

