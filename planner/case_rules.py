"""`[cases]` in rules.toml: the case ledger's two numbers (kept apart from planner/rules.py, which is full).

Same field metadata as planner.rules (zh, en, source, min), so the rules page, the template's 规则 sheet and the
range checks treat them like every other rule.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

SEED_CASES = "接访要建立工作台账，明确承办单位和责任人……真正做到有访必接、接访必办，办结必复。"


def _f(default: Any, zh: str, en: str, source: str = "", minimum: float | None = 0) -> Any:
    return field(default=default, metadata={"zh": zh, "en": en, "source": source, "min": minimum})


@dataclass(frozen=True)
class CaseRules:
    due_soon_days: int = _f(7, "问题台账：临期提醒天数（期限在 N 天内）", "Case ledger: remind when due within N days",
                            SEED_CASES, 0)
    due_days: int = _f(30, "问题台账：未填办理期限时，受理后的默认天数", "Case ledger: default days to due when none is given",
                       SEED_CASES, 1)


CASE_RANGES: dict[str, tuple[float, float]] = {"cases.due_soon_days": (0, 366), "cases.due_days": (1, 366)}
