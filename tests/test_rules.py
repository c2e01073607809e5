"""Rules: the defaults are the seed policy's numbers; TOML round trips losslessly."""

from __future__ import annotations

import pytest

from planner.errors import InputError
from planner.rules import Rules, next_year


def test_defaults_are_the_seed_numbers() -> None:
    r = Rules()
    g = r.grassroots_days
    assert (g.secretary, g.head, g.standing, g.other, g.unit_head, g.section) == (35, 35, 30, 25, 20, 15)
    v = r.visits
    assert (v.leader_contact, v.unit_community, v.unit_community_days) == (12, 12, 12)
    assert (v.cadre_household, v.cadre_household_days, v.talks_per_household) == (6, 6, 2)
    assert (v.community_daily_cap, v.office_daily_cap) == (4, 2)
    assert (r.assign.leader_max_offices, r.assign.cadre_max_households, r.assign.linkage) == (1, 5, "strict")
    assert (r.reception.per_week, r.reception.main_leader_a_per_month) == (1, 1)
    assert r.year == next_year()


def test_toml_round_trip() -> None:
    rules = Rules(year=2026).replace(visits={"cadre_household": 8}, assign={"linkage": "prefer"},
                                     solver={"time_limit": 12.5})
    again = Rules.from_toml(rules.to_toml())
    assert again == rules
    assert Rules.from_toml(Rules().to_toml()) == Rules()


def test_partial_toml_keeps_other_defaults() -> None:
    rules = Rules.from_toml("year = 2026\n[grassroots_days]\nstanding = 28\n")
    assert rules.grassroots_days.standing == 28 and rules.grassroots_days.other == 25 and rules.year == 2026


@pytest.mark.parametrize("text", ["[visits]\nunknown = 1\n", "[visits]\ncadre_household = -1\n", "year = [",
                                  "assign = 3\n"])
def test_bad_toml_is_input_error(text: str) -> None:
    with pytest.raises(InputError) as err:
        Rules.from_toml(text + "\n")
    assert err.value.issues[0].file == "rules.toml"
