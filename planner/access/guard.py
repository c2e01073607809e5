"""The store as a signed-in account uses it: every write asks the policy first and is audited under the account.

The app hands pages a `GuardedStore` instead of the plain one, so a change the role may not make is refused where
it is stored, whatever button or URL started it (not by hiding buttons), and the audit trail names the account,
not a free-text author.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

import pandas as pd

from planner.access.accounts import Account
from planner.access.policy import Scope, can_change
from planner.access.roles import ROLES, Action
from planner.plan import Plan
from planner.problem import Problem
from planner.rules import Rules
from planner.store.actuals import Record, record_visits
from planner.store.api import LOCK_TABLES, ScenarioInfo, Store, StoreError


class PermissionDenied(StoreError):
    """A change the signed-in account's role does not allow (shown like any refused store request)."""

    def __init__(self, account: Account, action: Action):
        spec = ROLES[account.role]
        super().__init__(f"无权操作：{spec.label_zh}账户“{account.name}”不能{ACTION_ZH[action]}",
                         f"not allowed: the {spec.label_en} account '{account.name}' cannot {ACTION_EN[action]}")
        self.account, self.action = account, action


ACTION_ZH = {Action.ACCOUNTS: "管理账户", Action.DATA: "修改数据", Action.RULES: "修改规则", Action.LOCKS: "修改锁定",
             Action.SOLVE: "求解并保存版本", Action.PUBLISH: "发布版本", Action.CASES: "修改问题台账",
             Action.ACTUALS: "记录走访", Action.SPOT_CHECKS: "记录抽查结果", Action.PURGE: "清除个人信息"}
ACTION_EN = {Action.ACCOUNTS: "manage accounts", Action.DATA: "change data", Action.RULES: "change rules",
             Action.LOCKS: "change locks", Action.SOLVE: "solve and save versions", Action.PUBLISH: "publish versions",
             Action.CASES: "change the case ledger", Action.ACTUALS: "record visits",
             Action.SPOT_CHECKS: "record spot checks", Action.PURGE: "purge personal data"}


def require(account: Account, action: Action) -> None:
    if not can_change(account, action):
        raise PermissionDenied(account, action)


def record_own_visits(store: Store, account: Account, scope: Scope | None, scenario: str,
                      records: list[Record]) -> list[int]:
    """Store visits an account recorded itself (the 我的走访 and 本单位 pages), each row allowed by the policy first:
    one row outside the account's reach (another person, or a household or community it does not reach) stores
    none of them. Authored by the account. Returns the records' ids."""
    for record in records:
        if not can_change(account, Action.ACTUALS, record, scope):
            raise PermissionDenied(account, Action.ACTUALS)
    return record_visits(store, scenario, records, author=account.name)


class GuardedStore(Store):
    """The same store, with every write checked against `account`'s role and authored by the account's name."""

    def __init__(self, store: Store, account: Account):
        super().__init__(store.engine)
        self.account = account

    def _check(self, action: Action) -> str:
        require(self.account, action)
        return self.account.name

    def create_scenario(self, name: str, author: str, problem: Problem | None = None) -> ScenarioInfo:
        return super().create_scenario(name, self._check(Action.DATA), problem=problem)

    def save_input(self, name: str, *, author: str, expected_revision: int,
                   tables: Mapping[str, pd.DataFrame] | None = None, rules: Rules | None = None,
                   merge: bool = False, source: str | None = None) -> int:
        stems = set(tables or {})
        if stems - set(LOCK_TABLES):
            self._check(Action.DATA)
        if stems & set(LOCK_TABLES):
            self._check(Action.LOCKS)
        if rules is not None:
            self._check(Action.RULES)
        return super().save_input(name, author=self.account.name, expected_revision=expected_revision,
                                  tables=tables, rules=rules, merge=merge, source=source)

    def save_solved(self, scenario: str, problem: Problem, plan: Plan, author: str, *, kind: str = "solve",
                    since: date | None = None, base_version: int | None = None, note: str = "",
                    expected_revision: int | None = None) -> int:
        who = self._check(Action.DATA if kind == "previous" else Action.SOLVE)
        return super().save_solved(scenario, problem, plan, who, kind=kind, since=since, base_version=base_version,
                                   note=note, expected_revision=expected_revision)

    def restore(self, name: str, number: int, *, author: str, expected_revision: int | None = None) -> int:
        return super().restore(name, number, author=self._check(Action.DATA), expected_revision=expected_revision)

    def purge_personal_data(self, name: str, *, author: str, keep_current: bool = False) -> int:
        return super().purge_personal_data(name, author=self._check(Action.PURGE), keep_current=keep_current)

    def publish(self, name: str, number: int, *, author: str) -> None:
        super().publish(name, number, author=self._check(Action.PUBLISH))

    def close(self) -> None:   # the engine belongs to the shared store
        pass
