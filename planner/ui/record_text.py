"""The texts of the visit-recording form on 我的走访 and 本单位 (planner/ui/pages/record.py), merged into the
dictionary by planner.ui.i18n (kept apart so that other branches appending keys there do not collide)."""

from __future__ import annotations

RECORD_T: dict[str, tuple[str, str]] = {
    "record.title": ("登记实际走访", "Record a visit"),
    "record.intro": ("走访后在这里登记：日期、走访对象（来自计划）和备注。登记后计入督查进度。",
                     "After a visit, record it here: the date, whom you visited (from the plan) and notes. "
                     "It counts toward the progress report."),
    "record.target": ("走访对象", "Visited"),
    "record.date": ("走访日期", "Date"),
    "record.talk": ("进行了谈心谈话", "Had a heart-to-heart talk"),
    "record.note": ("备注（可不填；属个人信息，管理员可清除）", "Notes (optional; personal data that an administrator may purge)"),
    "record.submit": ("保存走访记录", "Save the visit"),
    "record.saved": ("已保存：{day} 走访 {target}。", "Saved: {target} visited on {day}."),
    "record.duplicate": ("{day} 走访 {target} 已登记过，没有重复保存。", "{target} on {day} is already recorded: not saved again."),
    "record.denied": ("无权登记这次走访：只能登记本人（本单位）计划中的走访对象。",
                      "Not allowed: you can record visits to the people and places in your own plan only."),
    "record.no_targets": ("计划中没有可登记的走访对象。", "The plan has nobody for you to visit."),
    "record.list_title": ("已登记的走访", "Recorded visits"),
    "record.none": ("还没有登记的走访。", "No visit recorded yet."),
    "record.unit_self": ("本单位", "the unit"),
    "record.col_date": ("走访日期", "Date"),
    "record.col_person": ("走访人", "Visitor"),
    "record.col_target": ("走访对象", "Visited"),
    "record.col_outcome": ("情况", "Outcome"),
    "record.col_planned": ("计划日期", "Planned date"),
    "record.col_talk": ("谈心谈话", "Talk"),
    "record.col_note": ("备注", "Notes"),
    "record.col_by": ("登记人", "Recorded by"),
    "record.outcome_as_planned": ("按计划", "as planned"),
    "record.outcome_other_day": ("改期走访", "on another day"),
    "record.outcome_missed": ("未走访", "missed"),
    "record.outcome_imported": ("导入", "imported"),
}
