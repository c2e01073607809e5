"""Calendar updates across plan versions: stable event UIDs, SEQUENCE bumps, and cancellations.

A calendar client merges an imported .ics by UID: the same UID replaces the event it holds (a higher SEQUENCE says
"this is a newer revision"), a new UID adds one. So every planned visit keeps one UID for the whole year:

- UID = hash of (year, person kind and id, activity, target kind and shown target id, n) where n is the visit's
  ordinal among that person's visits of that activity to that target, by date. A visit that moves to another day
  keeps its UID; its date, role or talk flag may change. Limits (docs/CALENDAR_UPDATES.md): a visit inserted
  before others of the same person, activity and target renumbers the later ones (the events still end up right,
  only "which one moved" is attributed differently); a visit that changes person or target is a cancellation plus a
  new event; a redacted export names households by pseudonyms that change when the pairs change.
- The previous export is the state compared against: the calendar folder being replaced (planner replaces only a
  folder of its own calendars, planner.io.outputs), or an explicit `--previous` (a calendar folder, which carries
  the exact SEQUENCE numbers sent, or a plan folder, whose events are taken at SEQUENCE 0).
- An event whose date, title, place or description changed gets SEQUENCE + 1; an unchanged one keeps its
  SEQUENCE, so exporting the same plan twice gives identical bytes.
- A previous event of the plan's year whose UID is gone is written again with STATUS:CANCELLED and SEQUENCE + 1, in
  the file it came from (a file holding only cancellations is written for a person who has no visits left).
  Cancellations are repeated on every later export of that year, so a client that missed one export still learns.
- A redacted export (`--redact`) is compared only with a previous *redacted* export (its UIDs end in
  @redacted.planner.local): an unredacted one went to other readers, and repeating its events (texts, or UIDs that
  hash real household ids) would leak what redaction hides.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pandas as pd
from icalendar import Calendar, Component

from planner.io.outputs import CALENDARS, is_ours

UID_DOMAIN = "planner.local"
UID_HEX = 32
CANCELLED = "CANCELLED"
CANCELLED_PREFIX = "已取消："
REPORT_DUE_MARK = "@report-due." + UID_DOMAIN   # research-report due dates (planner/reports/ics.py): not visits
REDACTED_DOMAIN = "redacted." + UID_DOMAIN   # UIDs of a redacted export: see `comparable`
UID_COLUMNS = ("person_kind", "person_id", "activity", "target_kind", "target_label")


@dataclass(frozen=True)
class Published:
    """One event as it was last exported (what a client holds)."""

    file: str
    calendar_name: str
    sequence: int
    cancelled: bool
    day: date
    summary: str
    place: str
    description: str

    def fingerprint(self) -> tuple[date, str, str, str]:
        return (self.day, self.summary, self.place, self.description)


def stable_uids(table: pd.DataFrame, year: int, redacted: bool = False) -> list[str]:
    """One UID per row of `visit_table` (sorted by person then date): see the module docstring."""
    if not len(table):
        return []
    columns = [table[c].to_numpy(dtype=object).astype(str).tolist() for c in UID_COLUMNS]
    keys = ["|".join((str(year), *parts)) for parts in zip(*columns, strict=True)]
    # the table is sorted by person then date, so within one key the count runs in date order
    ordinal = (pd.Series(keys, dtype=object).groupby(keys, sort=False).cumcount() + 1).tolist()
    domain = "@" + (REDACTED_DOMAIN if redacted else UID_DOMAIN)
    return [hashlib.sha256(f"{k}|{n}".encode()).hexdigest()[:UID_HEX] + domain
            for k, n in zip(keys, ordinal, strict=True)]


def comparable(previous: Mapping[str, Published], redacted: bool) -> Mapping[str, Published]:
    """The previous events a new export may revise or cancel: all of them, or for a redacted export only those
    of a redacted one (module docstring)."""
    previous = {uid: event for uid, event in previous.items() if not uid.endswith(REPORT_DUE_MARK)}
    if not redacted:
        return previous
    mark = "@" + REDACTED_DOMAIN
    return {uid: event for uid, event in previous.items() if uid.endswith(mark)}


def _text(component: Component, name: str) -> str:
    value = component.get(name)
    return "" if value is None else str(value)


_ESCAPED = re.compile(r"\\([\\;,nN])")
_FOLD = re.compile(rb"\r?\n[ \t]")   # CRLF as written; a bare LF if some tool rewrote the file
_LINE_END = re.compile(r"\r?\n")
_WANTED = frozenset({"UID", "DTSTART", "SEQUENCE", "STATUS", "SUMMARY", "LOCATION", "DESCRIPTION"})


def _unescape(text: str) -> str:
    """RFC 5545 3.3.11 TEXT unescaping (\\n, \\, \\; \\\\)."""
    return _ESCAPED.sub(lambda m: "\n" if m.group(1) in "nN" else m.group(1), text)


def _event(file: str, title: str, props: dict[str, str], year: int) -> tuple[str, Published] | None:
    start = props.get("DTSTART", "")
    if len(start) < 8 or not start[:8].isdigit() or int(start[:4]) != year or "UID" not in props:
        return None
    day = date(int(start[:4]), int(start[4:6]), int(start[6:8]))
    return props["UID"], Published(file, title, int(props.get("SEQUENCE") or 0),
                                   props.get("STATUS", "").upper() == CANCELLED, day,
                                   *(_unescape(props.get(k, "")) for k in ("SUMMARY", "LOCATION", "DESCRIPTION")))


def _read_calendar(file: str, data: bytes, year: int) -> Iterator[tuple[str, Published]]:
    """The events of one calendar planner wrote, by content lines: icalendar took ~1 ms per event (100 s for a
    district); a test holds this reader to icalendar's parse (`published_events(..., fast=False)`)."""
    title = ""
    props: dict[str, str] | None = None
    for line in _LINE_END.split(_FOLD.sub(b"", data).decode("utf-8")):
        head, _, value = line.partition(":")
        name = head.split(";", 1)[0].upper()
        if props is None:
            if name == "X-WR-CALNAME":
                title = _unescape(value)
            elif line == "BEGIN:VEVENT":
                props = {}
        elif line == "END:VEVENT":
            found = _event(file, title, props, year)
            if found is not None:
                yield found
            props = None
        elif name in _WANTED:
            props[name] = value


def _reference_calendar(file: str, data: bytes, year: int) -> Iterator[tuple[str, Published]]:
    calendar = Calendar.from_ical(data)
    title = _unescape(_text(calendar, "X-WR-CALNAME"))   # icalendar leaves X- properties escaped
    for event in calendar.walk("VEVENT"):
        day = event.decoded("DTSTART")
        if not isinstance(day, date) or day.year != year:
            continue
        sequence = event.get("SEQUENCE")
        yield str(event["UID"]), Published(
            file, title, int(sequence) if sequence is not None else 0,
            _text(event, "STATUS").upper() == CANCELLED, date(day.year, day.month, day.day),
            _text(event, "SUMMARY"), _text(event, "LOCATION"), _text(event, "DESCRIPTION"))


def published_events(files: Iterable[tuple[str, bytes]], year: int, fast: bool = True) -> dict[str, Published]:
    """UID → event for every event of `year` in the given calendars (other years are history: left alone).
    `fast=False` parses with icalendar (the reference for the tests)."""
    read = _read_calendar if fast else _reference_calendar
    return {uid: event for name, data in files for uid, event in read(name, data, year)}


def calendar_files(folder: Path) -> list[tuple[str, bytes]]:
    """(name, bytes) of the planner calendars in `folder`; nothing if it is not a folder of planner calendars."""
    if not folder.is_dir() or not is_ours(folder, CALENDARS):
        return []
    return [(p.name, p.read_bytes()) for p in sorted(folder.iterdir()) if p.suffix.lower() == ".ics"]


@dataclass(frozen=True)
class Revision:
    """What the new export says about each event relative to the previous one."""

    sequences: list[int]                     # per new event (row order)
    cancelled: dict[str, list[tuple[str, Published]]]   # file name → (uid, previous event) to cancel, by day
    titles: dict[str, str]                   # file name → its previous X-WR-CALNAME (for cancellation-only files)


def revise(uids: list[str], fingerprints: list[tuple[date, str, str, str]],
           previous: Mapping[str, Published]) -> Revision:
    """SEQUENCE per new event and the cancellations, from the previous export (module docstring)."""
    sequences = []
    for uid, fingerprint in zip(uids, fingerprints, strict=True):
        before = previous.get(uid)
        if before is None:
            sequences.append(0)
        else:
            changed = before.cancelled or before.fingerprint() != fingerprint
            sequences.append(before.sequence + 1 if changed else before.sequence)
    live = set(uids)
    cancelled: dict[str, list[tuple[str, Published]]] = {}
    titles: dict[str, str] = {}
    for uid, before in sorted(previous.items(), key=lambda item: (item[1].day, item[0])):
        if uid not in live:
            cancelled.setdefault(before.file, []).append((uid, before))
            titles.setdefault(before.file, before.calendar_name)
    return Revision(sequences, cancelled, titles)


def cancellation(before: Published) -> tuple[int, str]:
    """(SEQUENCE, SUMMARY) of the cancelled event: one revision up the first time, unchanged when repeated."""
    if before.cancelled:
        return before.sequence, before.summary
    return before.sequence + 1, CANCELLED_PREFIX + before.summary
