"""Rules: nested replace, source sentences present for every seed number, errors collected."""

from __future__ import annotations

import pytest

from planner.errors import InputError
from planner.rules import Rules, rule_fields


def test_replace_updates_one_section_only() -> None:
    rules = Rules(year=2027).replace(visits={"cadre_household": 8})
    assert rules.visits.cadre_household == 8
    assert rules.visits.unit_community == 12 and rules.year == 2027


def test_every_seed_number_cites_its_source() -> None:
    cited = {name for name, f in rule_fields() if f.metadata["source"]}
    for name in ("grassroots_days.secretary", "grassroots_days.section", "visits.leader_contact",
                 "visits.unit_community_days", "visits.cadre_household", "visits.talks_per_household",
                 "reception.main_leader_a_per_month", "visits.community_daily_cap"):
        assert name in cited


def test_all_bad_keys_and_values_are_reported_together() -> None:
    with pytest.raises(InputError) as err:
        Rules.from_toml('[visits]\ncadre_household = "six"\nbogus = 1\n[assign]\nlinkage = "loose"\n')
    columns = {issue.column for issue in err.value.issues}
    assert columns == {"visits.cadre_household", "visits.bogus", "assign.linkage"}


def test_negative_minimum_rejected() -> None:
    with pytest.raises(InputError, match="office_daily_cap"):
        Rules.from_toml("[visits]\noffice_daily_cap = 0\n")
