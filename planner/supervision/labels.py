"""Chinese and English words for obligations, statuses and colours: the bulletin, the CLI and the app share them."""

from __future__ import annotations

OBLIGATION_LABELS: dict[str, tuple[str, str]] = {
    "leader_contact": ("区级领导到联系点（天）", "Leader visits to linked office (days)"),
    "leader_days": ("区级领导基层调研天数", "Leader grassroots days"),
    "all_offices": ("三走遍：走到该办事处", "三走遍: visited this office"),
    "unit_visits": ("单位进社区次数", "Unit visits to community"),
    "unit_days": ("单位进社区天数", "Unit days in community"),
    "cadre_visits": ("干部入户次数", "Cadre visits to household"),
    "cadre_days": ("干部入户天数", "Cadre days with household"),
    "talks": ("谈心谈话次数", "Heart-to-heart talks"),
    "cadre_grassroots_days": ("干部基层调研天数", "Cadre grassroots days"),
    "office_leader_contact": ("办事处领导到联系社区（天）", "Office leader visits to contact community (days)"),
    "office_all_communities": ("走遍社区：走到该社区", "走遍社区: visited this community"),
    "reports": ("调研报告篇数", "Research reports"),
}
STATUS_LABELS: dict[str, tuple[str, str]] = {
    "met": ("已完成", "met"),
    "cannot_meet": ("全年已无法完成", "cannot be met"),
    "behind": ("落后于计划", "behind plan"),
    "on_track": ("按计划推进", "on track"),
}
RAG_LABELS: dict[str, tuple[str, str]] = {"green": ("良好", "green"), "amber": ("需关注", "amber"),
                                          "red": ("需督促", "red")}
RAG_COLOURS = {"green": "#C6EFCE", "amber": "#FFEB9C", "red": "#FFC7CE"}
KIND_LABELS: dict[str, tuple[str, str]] = {"leader": ("区级领导", "leader"), "unit": ("区直单位", "unit"),
                                           "cadre": ("党员干部", "cadre"), "office": ("办事处", "office"),
                                           "community": ("社区", "community"), "household": ("联系户", "household"),
                                           "district": ("全区", "district"), "": ("", ""),
                                           "office_leader": ("办事处领导", "office leader")}


def label(table: dict[str, tuple[str, str]], key: str, lang: str = "zh") -> str:
    pair = table.get(key)
    if pair is None:
        return key
    return pair[0] if lang == "zh" else pair[1]
