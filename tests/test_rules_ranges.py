"""Every rule has a range, checked however Rules are made: each bound is accepted, one step outside is refused
(InputError naming the key), NaN/inf/bools/text are refused; the solvers cope with the extreme allowed values."""

from __future__ import annotations

import dataclasses
import math
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from planner.errors import InputError
from planner.rules import RULE_RANGES, Rules, rule_fields, rule_range, rules_from_dict


def _get(rules: Rules, name: str) -> Any:
    value: Any = rules
    for part in name.split("."):
        value = getattr(value, part)
    return value


NUMERIC = [(name, f) for name, f in rule_fields() if type(_get(Rules(), name)) in (int, float)]


def _nested(name: str, value: Any) -> dict[str, Any]:
    head, _, rest = name.partition(".")
    return {head: _nested(rest, value)} if rest else {head: value}


def _refused(name: str, value: Any) -> InputError:
    with pytest.raises(InputError) as caught:
        rules_from_dict(_nested(name, value))
    assert any(i.column == name for i in caught.value.issues), caught.value.render("en")
    return caught.value


def test_every_rule_has_an_explicit_range_and_its_default_lies_in_it() -> None:
    names = {name for name, _ in NUMERIC}
    assert names <= set(RULE_RANGES), sorted(names - set(RULE_RANGES))
    assert set(RULE_RANGES) <= names, sorted(set(RULE_RANGES) - names)  # no stale entries
    defaults = Rules()
    for name, _ in NUMERIC:
        low, high = rule_range(name)
        value = _get(defaults, name)
        assert low <= value <= high, name


@pytest.mark.parametrize("name", [n for n, _ in NUMERIC])
def test_bounds_accepted_one_step_outside_refused(name: str) -> None:
    low, high = rule_range(name)
    is_int = isinstance(_get(Rules(), name), int)
    step = 1 if is_int else 1e-9 * max(1.0, abs(high))
    for value in (low, high):
        got = _get(rules_from_dict(_nested(name, int(value) if is_int else value)), name)
        assert got == value
    _refused(name, (int(low) - 1) if is_int else low - step)
    _refused(name, (int(high) + 1) if is_int else high + step * 10)
    for bad in (math.nan, math.inf, -math.inf, True, "5", 2**63 - 1, -(2**63), 10**30):
        _refused(name, bad)


def test_integral_floats_are_integers_fractions_are_not() -> None:
    assert rules_from_dict({"assign": {"cadre_max_households": 7.0}}).assign.cadre_max_households == 7
    _refused("assign.cadre_max_households", 7.5)


def test_bools_must_be_bools() -> None:
    for value in (1, 0, "yes", "true", None):
        _refused("visits.all_offices_once", value)
    assert rules_from_dict({"visits": {"all_offices_once": False}}).visits.all_offices_once is False


def test_direct_construction_and_replace_are_checked_too() -> None:
    """The app builds Rules(...) and dataclasses.replace(...) itself: the same ranges hold there."""
    with pytest.raises(InputError, match="year"):
        Rules(year=99999)
    with pytest.raises(InputError, match=r"solver\.gap_limit"):
        dataclasses.replace(Rules(), solver=dataclasses.replace(Rules().solver, gap_limit=math.nan))
    with pytest.raises(InputError, match=r"weights\.continuity"):
        Rules().replace(weights={"continuity": 2**63 - 1})


def test_rules_file_folder_gbk_nesting_size(tmp_path: Path) -> None:
    folder = tmp_path / "rules.toml"
    folder.mkdir()
    with pytest.raises(InputError, match="folder"):
        Rules.from_toml(folder)
    gbk = tmp_path / "gbk.toml"
    gbk.write_bytes("# 年度\nyear = 2027\n".encode("gbk"))
    with pytest.raises(InputError) as caught:
        Rules.from_toml(gbk)
    assert "UTF-8" in caught.value.render("zh") and "另存为" in caught.value.render("zh")
    deep = tmp_path / "deep.toml"
    deep.write_text("x = " + "[" * 50_000 + "]" * 50_000 + "\n")
    with pytest.raises(InputError, match="TOML"):
        Rules.from_toml(deep)
    big = tmp_path / "big.toml"
    big.write_text("#" * (2 << 20) + "\n")
    with pytest.raises(InputError, match="too large"):
        Rules.from_toml(big)


HOSTILE_VALUES = st.one_of(
    st.integers(-(2**70), 2**70), st.floats(allow_nan=True, allow_infinity=True), st.booleans(),
    st.text(max_size=5), st.none(), st.sampled_from([0, -1, 1, 2**31, 2**63 - 1, 1e308, -0.0, 5e-324]),
)


@settings(max_examples=60, deadline=None)
@given(changes=st.lists(st.tuples(st.sampled_from([n for n, _ in rule_fields()]), HOSTILE_VALUES), max_size=4))
def test_any_values_give_rules_in_range_or_input_error(changes: list[tuple[str, Any]]) -> None:
    data: dict[str, Any] = {}
    for name, value in changes:
        head, _, rest = name.partition(".")
        if rest:
            data.setdefault(head, {})[rest] = value
        else:
            data[head] = value
    try:
        rules = rules_from_dict(data)
    except InputError as exc:
        assert exc.issues and all(i.column for i in exc.issues)
        return
    for name, _ in NUMERIC:
        low, high = rule_range(name)
        value = _get(rules, name)
        assert math.isfinite(value) and low <= value <= high


def test_field_minimum_shown_by_the_app_is_the_range_minimum() -> None:
    """The rules page takes min_value from each field's metadata: it must agree with the range that is checked."""
    for name, f in NUMERIC:
        assert f.metadata.get("min") == rule_range(name)[0], name
