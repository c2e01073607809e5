"""Downloads a unit or a cadre gets (Export page, 我的走访, 本单位) are built from the scoped plan: their calendars,
workbook and plan zip name only the scope's people and households."""

from __future__ import annotations

import io
import re
import zipfile

import openpyxl
import pytest

from planner.access.accounts import Account
from planner.access.policy import scope_of, scope_plan
from planner.access.roles import Role
from planner.export.ics import ics_zip_bytes
from planner.export.xlsx import xlsx_bytes
from planner.plan import Plan
from planner.problem import Problem
from planner.ui.downloads import plan_zip_bytes

IDS = re.compile(r"\b([HGUL]\d+|C0\d)\b")


def _strings_in_workbook(data: bytes) -> str:
    book = openpyxl.load_workbook(io.BytesIO(data), read_only=True)
    return "\n".join(str(cell) for sheet in book.worksheets for row in sheet.iter_rows(values_only=True)
                     for cell in row if cell is not None)


def _strings_in_zip(data: bytes) -> str:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return "\n".join(name + "\n" + archive.read(name).decode("utf-8-sig", "replace") for name in archive.namelist())


@pytest.mark.parametrize(("role", "ident"), [(Role.UNIT, "U2"), (Role.CADRE, "G4")])
def test_downloads_hold_the_scope_only(solved: tuple[Problem, Plan], role: Role, ident: str) -> None:
    problem, plan = solved
    scope = scope_of(Account("x", role, ident), problem, plan)
    assert scope is not None
    mine = scope_plan(plan, scope)
    allowed = set(scope.households) | set(scope.cadres) | set(scope.units) | set(scope.communities)
    for text in (_strings_in_zip(ics_zip_bytes(mine)), _strings_in_workbook(xlsx_bytes(mine)),
                 _strings_in_zip(plan_zip_bytes(mine))):
        found = set(IDS.findall(text))
        assert found, "the probe must see ids"
        assert found <= allowed, sorted(found - allowed)
