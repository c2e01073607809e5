"""The two ways a plan can fail, each carrying everything the user needs to fix it.

`InputError` (exit 2): the input is wrong — every problem found, each with file, row as seen in Excel, column.
`InfeasibleError` (exit 3): the input is well formed but the rules cannot all hold — each conflict in words,
naming the entities and the numbers.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

Lang = Literal["zh", "en"]


@dataclass(frozen=True)
class Issue:
    """One problem in the input. `row` is the row number a user sees in Excel (header = row 1)."""

    file: str
    row: int | None
    column: str | None
    message_zh: str
    message_en: str
    value: str | None = None

    def render(self, lang: Lang = "zh") -> str:
        where = [self.file]
        if self.row is not None:
            where.append(f"第{self.row}行" if lang == "zh" else f"row {self.row}")
        if self.column:
            where.append(f"列 {self.column}" if lang == "zh" else f"column {self.column}")
        message = self.message_zh if lang == "zh" else self.message_en
        sep = "，" if lang == "zh" else ", "
        return f"{sep.join(where)}：{message}" if lang == "zh" else f"{sep.join(where)}: {message}"


class InputError(Exception):
    """Bad input: raised with every issue found, never just the first."""

    def __init__(self, issues: list[Issue]):
        self.issues = list(issues)
        super().__init__(self.render("en"))

    def render(self, lang: Lang = "zh", limit: int | None = None) -> str:
        shown = self.issues if limit is None else self.issues[:limit]
        lines = [issue.render(lang) for issue in shown]
        if limit is not None and len(self.issues) > limit:
            more = len(self.issues) - limit
            lines.append(f"……另有 {more} 处问题" if lang == "zh" else f"... and {more} more problems")
        return "\n".join(lines)


@dataclass(frozen=True)
class Conflict:
    """One reason the rules cannot all hold, in words, with the entities and the rule group involved."""

    rule: str
    message_zh: str
    message_en: str
    entities: tuple[str, ...] = field(default=())
    suggestion_zh: str = ""
    suggestion_en: str = ""

    def render(self, lang: Lang = "zh") -> str:
        text = self.message_zh if lang == "zh" else self.message_en
        hint = self.suggestion_zh if lang == "zh" else self.suggestion_en
        if hint:
            text += ("（建议：" + hint + "）") if lang == "zh" else f" (suggestion: {hint})"
        return text


class InfeasibleError(Exception):
    """The rules cannot all hold. Carries the smallest explanation we could find."""

    def __init__(self, conflicts: list[Conflict], stage: str = ""):
        self.conflicts = list(conflicts)
        self.stage = stage
        super().__init__(self.render("en"))

    def render(self, lang: Lang = "zh") -> str:
        head = "规则无法同时满足：" if lang == "zh" else "The rules cannot all hold:"
        return "\n".join([head, *(f"- {c.render(lang)}" for c in self.conflicts)])
