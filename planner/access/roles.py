"""The five roles of the contract's "People and roles" table, as data.

| role      | sees                                                   | may change                                          |
|-----------|--------------------------------------------------------|-----------------------------------------------------|
| admin     | everything                                             | everything, accounts                                |
| organizer | everything                                             | data, rules, locks, solve, publish a version, cases |
| unit      | its unit's communities, cadres, their households, visits | actual visits and cases of its unit               |
| cadre     | its own calendar and households                        | its own actual visits                               |
| inspector | everything, read-only                                  | spot-check results                                  |

`policy.py` is the only reader of this table; pages and exports ask the policy, never the role directly.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Role(StrEnum):
    ADMIN = "admin"
    ORGANIZER = "organizer"
    UNIT = "unit"
    CADRE = "cadre"
    INSPECTOR = "inspector"


class Action(StrEnum):
    """What an account may change. `data` covers the input tables; `solve` also saves the solved version."""

    ACCOUNTS = "accounts"
    DATA = "data"
    RULES = "rules"
    LOCKS = "locks"
    SOLVE = "solve"
    PUBLISH = "publish"
    CASES = "cases"
    ACTUALS = "actuals"
    SPOT_CHECKS = "spot_checks"
    PURGE = "purge"   # erasing personal data: an administrator's act


class Reach(StrEnum):
    """How far a role sees: everything, one unit's part of the plan, or one cadre's own part."""

    ALL = "all"
    UNIT = "unit"
    CADRE = "cadre"


@dataclass(frozen=True)
class RoleSpec:
    role: Role
    label_zh: str
    label_en: str
    reach: Reach
    changes: frozenset[Action]
    scoped_changes: bool          # changes limited to its own unit / cadre (actual visits, cases)
    sees_drafts: bool             # unpublished versions
    needs_scope: bool             # the account names a unit id or a cadre id


ALL_ACTIONS = frozenset(Action)
ROLES: dict[Role, RoleSpec] = {
    Role.ADMIN: RoleSpec(Role.ADMIN, "系统管理员", "administrator", Reach.ALL, ALL_ACTIONS, False, True, False),
    # "data" in the contract's table: the organization department also loads actual visits recorded on paper.
    Role.ORGANIZER: RoleSpec(Role.ORGANIZER, "组织部", "organizer", Reach.ALL,
                             frozenset({Action.DATA, Action.RULES, Action.LOCKS, Action.SOLVE, Action.PUBLISH,
                                        Action.CASES, Action.ACTUALS}), False, True, False),
    Role.UNIT: RoleSpec(Role.UNIT, "区直单位", "unit", Reach.UNIT, frozenset({Action.ACTUALS, Action.CASES}),
                        True, False, True),
    Role.CADRE: RoleSpec(Role.CADRE, "党员干部", "cadre", Reach.CADRE, frozenset({Action.ACTUALS}), True, False, True),
    Role.INSPECTOR: RoleSpec(Role.INSPECTOR, "督查", "inspector", Reach.ALL, frozenset({Action.SPOT_CHECKS}),
                             False, True, False),
}


def parse_role(text: str) -> Role:
    """A role from its code or its Chinese label (raises ValueError naming the allowed values)."""
    value = str(text).strip()
    for spec in ROLES.values():
        if value.lower() == spec.role.value or value == spec.label_zh:
            return spec.role
    allowed = ", ".join(f"{s.role.value} ({s.label_zh})" for s in ROLES.values())
    raise ValueError(f"unknown role '{value}'; allowed: {allowed}")
