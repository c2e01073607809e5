"""One RFC 5545 calendar per person (leader, unit, cadre): all-day events that phones and Outlook import.

Reproducible on purpose: UIDs are hashes of the visit itself and DTSTAMP is fixed from the plan's year, so exporting
the same plan twice gives byte-identical files and re-importing updates events instead of duplicating them.
`icalendar` does the escaping and line folding; the Asia/Shanghai VTIMEZONE is included for calendar apps that
want it (events are all-day DATE values, which are floating by definition).
"""

from __future__ import annotations

import hashlib
import io
import zipfile
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

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
from planner.plan import Plan

TZID = "Asia/Shanghai"
PRODID = "-//planner//District Contact and Service Plan//ZH"
UID_DOMAIN = "planner.local"
UID_HEX = 32
ONE_DAY = timedelta(days=1)


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
    cal.add("x-wr-calname", title)
    cal.add("x-wr-caldesc", description)
    cal.add("x-wr-timezone", TZID)
    cal.add_component(tz)
    return cal


def _description(row: dict[str, object]) -> str:
    """Only what the summary does not already say: kept short because folding long CJK lines dominates export time."""
    lines = []
    if row["target_kind"] == "household":
        lines.append(f"联系户：{row['target_label']}")
    if row["talk"] == 1:
        lines.append(f"本次走访须开展{TALK_ZH}。")
    if row["role"]:
        lines.append(f"接待角色：{row['role']}角")
    return "\n".join(lines)


def build_calendars(plan: Plan, redact: bool = False) -> Iterator[tuple[str, bytes]]:
    """(file name, .ics bytes) for every person with at least one visit, ordered leader, unit, cadre, then id."""
    table = visit_table(plan, redact=redact)
    if not len(table):
        return
    year = plan_year(plan, table)
    stamp = vDatetime(datetime(year, 1, 1, tzinfo=UTC))
    tz = _timezone(year)
    book = name_book(plan)
    groups = list(table.groupby(["person_kind", "person_id"], sort=False))
    stems = unique_names(
        safe_file_stem(str(kind), str(pid), book.name(str(kind), str(pid))) for (kind, pid), _ in groups)
    records = table.to_dict("records")
    for stem, ((kind, pid), part) in zip(stems, groups, strict=True):
        kind, pid = str(kind), str(pid)
        person_name = book.name(kind, pid)
        title = f"{year}年联系服务群众计划：{person_name}"
        desc = f"{PERSON_KIND_ZH.get(kind, kind)} {pid} {person_name}，共 {len(part)} 项活动"
        cal = _calendar_header(title, desc, tz)
        seen: dict[str, int] = {}
        for index in part.index:
            row = records[index]
            day: date = row["date"]
            key = "|".join(str(x) for x in (year, kind, pid, day.isoformat(), row["activity"], row["target_kind"],
                                            row["target_label"], row["role"], row["talk"]))
            seen[key] = seen.get(key, 0) + 1
            uid = hashlib.sha256(f"{key}|{seen[key]}".encode()).hexdigest()[:UID_HEX]
            event = Event()
            event["uid"] = vText(f"{uid}@{UID_DOMAIN}")
            event["dtstamp"] = stamp
            event["dtstart"] = _dated(day)
            event["dtend"] = _dated(day + ONE_DAY)
            event["summary"] = vText(str(row["summary"]))
            if row["place"]:
                event["location"] = vText(str(row["place"]))
            description = _description(row)
            if description:
                event["description"] = vText(description)
            cal.add_component(event)
        yield f"{stem}.ics", cal.to_ical()


def export_ics(plan: Plan, out_dir: Path, redact: bool = False) -> int:
    """Write one .ics per person into `out_dir` (created if needed); returns the number of files written."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    n = 0
    for name, data in build_calendars(plan, redact=redact):
        (out_dir / name).write_bytes(data)
        n += 1
    return n


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

