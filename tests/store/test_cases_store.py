"""The case ledger in the store: each step with who and when, a transfer kept, the order of the steps enforced,
import → store → export round trip, summaries apart and purgeable, the migration matches the schema."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from planner.store.api import Store, open_store
from planner.store.cases import (
    CaseStepError,
    assign,
    callback,
    export_cases,
    import_cases,
    load_cases,
    load_ledger,
    open_case,
    purge_case_summaries,
    reply,
    resolve,
    timeline,
    transfer,
)
from planner.supervision.case_report import case_status
from planner.supervision.cases import read_cases
from tests.supervision.helpers import problem

CSV = ("case_id,opened,source,raised_with,household_id,community_id,summary,owner_unit,owner,due,resolved_on,"
       "replied_on,callback_on,satisfied\n"
       "K1,2026-03-02,visit,G1,H01,,水管漏水,U1,G1,2026-03-20,,,,\n"
       "K2,2026-03-02,reception,L1,,,,U2,,2026-03-09,2026-03-05,2026-03-06,2026-03-08,yes\n")


@pytest.fixture
def store(tmp_path: Path) -> Store:
    s = open_store(f"sqlite:///{tmp_path / 'db.sqlite'}")
    s.create_scenario("s", "alice", problem())
    return s


CASE = {"case_id": "K9", "opened": date(2026, 4, 1), "source": "visit", "raised_with": "G1", "household_id": "H01",
        "community_id": "C01", "owner_unit": "U1", "owner": "", "due": date(2026, 4, 20), "resolved_on": None,
        "replied_on": None, "callback_on": None, "satisfied": ""}


def test_every_step_with_who_and_when_and_a_transfer(store: Store) -> None:
    open_case(store, "s", CASE, "organizer-ann", summary="楼道灯坏了")
    assert case_status(load_cases(store, "s"), date(2026, 4, 2))["status"].tolist() == ["opened"]
    assign(store, "s", "K9", "G1", "organizer-ann")
    transfer(store, "s", "K9", "U2", "organizer-ann", owner="G4")
    resolve(store, "s", "K9", date(2026, 4, 10), "unit-U2")
    reply(store, "s", "K9", date(2026, 4, 11), "unit-U2")
    callback(store, "s", "K9", date(2026, 4, 15), "yes", "unit-U2")
    row = load_cases(store, "s").iloc[0]
    assert row["owner_unit"] == "U2" and row["owner"] == "G4" and row["satisfied"] == "yes"
    steps = timeline(store, "s", "K9")
    assert steps["step"].tolist() == ["open", "assign", "transfer", "resolve", "reply", "callback"]
    assert steps["author"].tolist() == ["organizer-ann"] * 3 + ["unit-U2"] * 3
    moved = steps.loc[steps["step"] == "transfer"].iloc[0]
    assert (moved["from_unit"], moved["to_unit"]) == ("U1", "U2")    # where it came from is kept
    assert steps["step_date"].tolist()[3:] == [date(2026, 4, 10), date(2026, 4, 11), date(2026, 4, 15)]
    trail = [e for e in store.list_audit("s") if e.action == "cases"]
    assert {e.author for e in trail} == {"organizer-ann", "unit-U2"}
    assert not any("楼道灯" in str(e.what) + str(e.details) for e in store.list_audit("s"))   # never the summary
    status = case_status(load_cases(store, "s"), date(2026, 4, 30))
    assert status["status"].tolist() == ["callback"] and not status["overdue"].any()


@pytest.mark.parametrize(("step", "day"), [("resolve", date(2026, 3, 31)), ("reply", date(2026, 4, 5)),
                                           ("callback", date(2026, 4, 5))])
def test_a_step_out_of_order_is_refused(store: Store, step: str, day: date) -> None:
    open_case(store, "s", CASE, "ann")
    with pytest.raises(CaseStepError):
        if step == "resolve":
            resolve(store, "s", "K9", day, "ann")     # before opened
        elif step == "reply":
            reply(store, "s", "K9", day, "ann")       # not resolved yet
        else:
            callback(store, "s", "K9", day, "yes", "ann")   # not replied yet
    assert timeline(store, "s", "K9")["step"].tolist() == ["open"]


def test_duplicate_and_unknown_cases_are_refused(store: Store) -> None:
    open_case(store, "s", CASE, "ann")
    with pytest.raises(CaseStepError):
        open_case(store, "s", CASE, "ann")
    with pytest.raises(CaseStepError):
        resolve(store, "s", "NOPE", date(2026, 4, 5), "ann")


def test_import_store_export_round_trip_and_purge(store: Store, tmp_path: Path) -> None:
    source = tmp_path / "cases.csv"
    source.write_text(CSV, encoding="utf-8")
    ledger = read_cases(source, problem())
    assert import_cases(store, "s", ledger, "ann") == (2, 0)
    back = load_ledger(store, "s", problem(), with_summaries=True)
    pd.testing.assert_frame_equal(back.cases, ledger.cases)
    assert back.summaries.to_dict() == ledger.summaries.to_dict()
    out = export_cases(store, "s", tmp_path / "out.csv", problem(), with_summaries=True)
    again = read_cases(out, problem())
    pd.testing.assert_frame_equal(again.cases, ledger.cases)
    assert timeline(store, "s", "K2")["step"].tolist() == ["import", "resolve", "reply", "callback"]
    moved = ledger.cases.assign(owner_unit=["U2", "U2"])      # a second import moves K1 to U2 and is kept
    assert import_cases(store, "s", type(ledger)(moved, ledger.summaries), "bob") == (0, 2)
    last = timeline(store, "s", "K1").iloc[-1]
    assert (last["step"], last["from_unit"], last["to_unit"], last["author"]) == ("import", "U1", "U2", "bob")
    assert purge_case_summaries(store, "s", "admin") == 1
    assert set(load_cases(store, "s", with_summaries=True)["summary"]) == {""}
    assert len(load_cases(store, "s")) == 2              # the ledger survives the purge
    assert "水管漏水" not in export_cases(store, "s", tmp_path / "p.csv", problem(), True).read_text("utf-8-sig")


def test_migrations_match_the_schema(store: Store) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    from planner.store import schema

    with store.engine.connect() as conn:
        assert compare_metadata(MigrationContext.configure(conn), schema.metadata) == []


def test_the_apps_bulletin_gets_the_stored_ledger(store: Store, tmp_path: Path) -> None:
    from types import SimpleNamespace

    from planner.ui.pages.progress import _case_tables

    ws = SimpleNamespace(store=store, scenario="s")
    assert _case_tables(ws, date(2026, 3, 31), problem()) is None       # no case: no 台账 sheet
    source = tmp_path / "cases.csv"
    source.write_text(CSV, encoding="utf-8")
    import_cases(store, "s", read_cases(source, problem()), "ann")
    tables = _case_tables(ws, date(2026, 3, 31), problem())
    assert tables is not None and [r[0] for r in tables["cases"][1]] == ["K1", "K2"] and tables["cases"][1][0][1] == "超期"


def test_migration_0004_goes_down_and_up(store: Store) -> None:
    from alembic import command
    from alembic.config import Config
    from sqlalchemy import inspect

    import planner.store.api as api

    config = Config()
    config.set_main_option("script_location", str(Path(api.__file__).with_name("migrations")))
    ledger = {"cases", "case_history", "case_summaries"}
    with store.engine.begin() as conn:
        config.attributes["connection"] = conn
        command.downgrade(config, "0003")
    assert not ledger & set(inspect(store.engine).get_table_names())
    with store.engine.begin() as conn:
        config.attributes["connection"] = conn
        command.upgrade(config, "head")
    assert ledger <= set(inspect(store.engine).get_table_names())
