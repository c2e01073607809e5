"""Store fixtures: every store test runs on SQLite, and on PostgreSQL when PLANNER_TEST_PG_URL is set."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from datetime import date

import pandas as pd
import pytest

from planner.plan import Plan, names_frame
from planner.problem import Problem
from planner.store.api import Store, make_engine, open_store

PG_ENV = "PLANNER_TEST_PG_URL"


@pytest.fixture(scope="session")
def pg_url() -> Iterator[str]:
    """A fresh PostgreSQL schema per test session (and per xdist worker), dropped at the end."""
    from sqlalchemy import text

    url = os.environ.get(PG_ENV)
    if not url:
        pytest.skip(f"{PG_ENV} not set")
    schema = f"planner_test_{uuid.uuid4().hex[:12]}"
    engine = make_engine(url)
    with engine.begin() as conn:
        conn.execute(text(f"CREATE SCHEMA {schema}"))
    try:
        yield f"{url}{'&' if '?' in url else '?'}options=-csearch_path%3D{schema}"
    finally:
        with engine.begin() as conn:
            conn.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
        engine.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def store_url(request: pytest.FixtureRequest, tmp_path: object) -> str:
    if request.param == "postgres":
        return str(request.getfixturevalue("pg_url"))
    return f"sqlite:///{tmp_path}/planner.db"


@pytest.fixture
def store(store_url: str) -> Iterator[Store]:
    s = open_store(store_url)
    yield s
    s.close()


@pytest.fixture
def scenario() -> str:
    """A unique scenario name, so tests sharing one PostgreSQL database never meet."""
    return f"测试-{uuid.uuid4().hex[:10]}"


def fake_plan(problem: Problem, shift: int = 0, report: dict | None = None) -> Plan:
    """A deterministic plan-shaped result for the tiny district (the store does not care if it is optimal)."""
    leaders = list(problem.leaders["leader_id"])
    offices = list(problem.offices["office_id"])
    lo = pd.DataFrame({"leader_id": leaders, "office_id": [offices[i % len(offices)] for i in range(len(leaders))]})
    units = list(problem.units["unit_id"])
    communities = list(problem.communities["community_id"])
    uc = pd.DataFrame({"unit_id": [units[min(i, len(units) - 1)] for i in range(len(communities))],
                       "community_id": communities})
    unit_of = dict(zip(uc["community_id"], uc["unit_id"], strict=True))
    cadres_by_unit = problem.cadres.groupby("unit_id")["cadre_id"].apply(list).to_dict()
    rows = []
    for i, (hid, cid) in enumerate(zip(problem.households["household_id"], problem.households["community_id"],
                                       strict=True)):
        pool = cadres_by_unit.get(unit_of[cid], list(problem.cadres["cadre_id"]))
        rows.append((pool[(i + shift) % len(pool)], hid))
    ch = pd.DataFrame(rows, columns=["cadre_id", "household_id"])
    visits = []
    for k, (cid, hid) in enumerate(rows):
        for month in (1, 3, 5, 7, 9, 11):
            visits.append({"date": date(problem.rules.year, month, 5 + (k + shift) % 20), "person_kind": "cadre",
                           "person_id": cid, "activity": "household", "target_kind": "household", "target_id": hid,
                           "role": "", "talk": int(month in (3, 9))})
    for lid, oid in zip(lo["leader_id"], lo["office_id"], strict=True):
        for month in range(1, 13):
            visits.append({"date": date(problem.rules.year, month, 10), "person_kind": "leader", "person_id": lid,
                           "activity": "contact", "target_kind": "office", "target_id": oid, "role": "", "talk": 0})
    report = report or {"status": "feasible", "objective": 123.5 + shift, "bound": 100.0, "gap": 0.19,
                        "seconds": 1.25, "counts": {**problem.counts(), "visits": len(visits)}}
    return Plan(leader_offices=lo, unit_communities=uc, cadre_households=ch, visits=pd.DataFrame(visits),
                report=report, names=names_frame(problem))
