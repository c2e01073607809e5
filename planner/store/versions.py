"""Plan versions: immutable, each with the input it was solved from; restoring, comparing and publishing them.

A version is written in ONE transaction (blobs, version row, audit row), so a crash midway leaves the last good
version readable and no half version; versions are never updated afterwards. A solved version is a draft until an
organizer publishes it; units and cadres then see the plan in force. The store does not run the checker (that is
the workflow layer's job, planner.workflow.solve).
"""

from __future__ import annotations

import logging
from datetime import date
from typing import Any

import pandas as pd
from sqlalchemy import Connection, func, insert, select, update
from sqlalchemy.exc import IntegrityError

from planner.messages import text
from planner.plan import NAMES_COLUMNS, Plan
from planner.problem import Problem
from planner.store import schema as t
from planner.store.core import StoreCore
from planner.store.diff import PlanDiff, compare_plans
from planner.store.records import (
    PLAN_TABLES,
    ConflictError,
    NotFoundError,
    ScenarioInput,
    VersionInfo,
    aware,
    jsonable,
    utcnow,
)

log = logging.getLogger("planner.store")


class Versions(StoreCore):
    # -- versions -------------------------------------------------------------------------------------------------
    def save_solved(self, scenario: str, problem: Problem, plan: Plan, author: str, *, kind: str = "solve",
                    since: date | None = None, base_version: int | None = None, note: str = "",
                    expected_revision: int | None = None) -> int:
        """Store `plan` as the next immutable version, with the input it was solved from; returns its number.

        Creates the scenario if absent. The solved input becomes the scenario's current input when it differs
        and `expected_revision` is None (the CLI: the data folder is the truth) or still current (the app);
        if someone edited in between, their edit stays current and the version keeps its own snapshot.
        All of it is one transaction: no half version is ever visible.
        """
        report = jsonable(plan.report)
        self._ensure_scenario(scenario, author)
        with self._tx() as conn:
            row = self._scenario_row(conn, scenario)
            input_id = self._put_input(conn, row.id, problem.raw_tables(), problem.rules, problem.source, author)
            if input_id != row.current_input_id and expected_revision in (None, row.revision):
                old = (self._get_input(conn, row.current_input_id, row.revision)
                       if row.current_input_id is not None else None)
                self._make_current(conn, row, old, problem.raw_tables(), problem.rules, problem.source, author,
                                   stale_ok=True)
            refs = {name: self._put_blob(conn, self._plan_frame(plan, name)) for name in PLAN_TABLES}
            if plan.report_due is not None:   # research reports' due dates (absent in plans made before them)
                refs["report_due"] = self._put_blob(conn, plan.report_due)
            conn.execute(update(t.scenarios).where(t.scenarios.c.id == row.id)
                         .values(last_version=t.scenarios.c.last_version + 1))
            number = int(conn.execute(select(t.scenarios.c.last_version).where(t.scenarios.c.id == row.id))
                         .scalar_one())
            conn.execute(insert(t.versions).values(
                scenario_id=row.id, number=number, input_id=input_id, created_at=utcnow(), author=author, kind=kind,
                status=str(report.get("status", "")), objective=report.get("objective"), bound=report.get("bound"),
                gap=report.get("gap"), seconds=report.get("seconds"), since=since, base_version=base_version,
                tables=refs, report=report, note=note))
            counts = report.get("counts", {})
            self._audit(conn, row.id, author, "version",
                        f"version {number} saved ({kind}, {report.get('status', '?')}, "
                        f"{counts.get('visits', len(plan.visits))} visits)", None, number, input_id,
                        {"kind": kind, "since": since, "base_version": base_version})
        log.info("scenario %s: version %d saved by %s", scenario, number, author)
        return number

    def _ensure_scenario(self, name: str, author: str) -> None:
        """Create the scenario in its own short transaction if absent (a concurrent creation is fine)."""
        with self.engine.connect() as conn:
            if conn.execute(select(t.scenarios.c.id).where(t.scenarios.c.name == name)).first():
                return
        try:
            with self._tx() as conn:
                self._create_row(conn, name, author)
        except IntegrityError:
            pass

    @staticmethod
    def _plan_frame(plan: Plan, name: str) -> pd.DataFrame:
        frame = getattr(plan, name)
        if name == "names":
            frame = frame.reindex(columns=list(NAMES_COLUMNS))
        return frame

    def list_versions(self, name: str) -> list[VersionInfo]:
        with self.engine.connect() as conn:
            row = self._scenario_row(conn, name)
            rows = conn.execute(select(t.versions).where(t.versions.c.scenario_id == row.id)
                                .order_by(t.versions.c.number)).all()
        return [VersionInfo(number=r.number, created_at=aware(r.created_at), author=r.author, kind=r.kind,
                            status=r.status, objective=r.objective, bound=r.bound, gap=r.gap, seconds=r.seconds,
                            since=r.since, base_version=r.base_version,
                            counts=dict((r.report or {}).get("counts", {})), note=r.note) for r in rows]

    def latest_version(self, name: str) -> int | None:
        with self.engine.connect() as conn:
            row = self._scenario_row(conn, name)
            value = conn.execute(select(func.max(t.versions.c.number))
                                 .where(t.versions.c.scenario_id == row.id)).scalar()
        return None if value is None else int(value)

    def _version_row(self, conn: Connection, name: str, number: int | None) -> Any:
        row = self._scenario_row(conn, name)
        query = select(t.versions).where(t.versions.c.scenario_id == row.id)
        query = (query.order_by(t.versions.c.number.desc()).limit(1) if number is None
                 else query.where(t.versions.c.number == number))
        version = conn.execute(query).first()
        if version is None:
            label = "latest" if number is None else str(number)
            raise NotFoundError(*text("store.no_version", name=name, label=label))
        return version

    def load_plan(self, name: str, number: int | None = None) -> Plan:
        """The stored plan of version `number` (None: latest)."""
        with self.engine.connect() as conn:
            v = self._version_row(conn, name, number)
            frames = {k: self._get_blob(conn, d) for k, d in v.tables.items()}
        return Plan(report=dict(v.report), **frames)

    def load_version_input(self, name: str, number: int | None = None) -> ScenarioInput:
        with self.engine.connect() as conn:
            v = self._version_row(conn, name, number)
            return self._get_input(conn, v.input_id)

    def load_version(self, name: str, number: int | None = None) -> tuple[Problem, Plan]:
        """(the Problem the version was solved from, its Plan); None means the latest version."""
        return self.load_version_input(name, number).problem(), self.load_plan(name, number)

    def compare(self, name: str, v1: int, v2: int) -> PlanDiff:
        """Pairs changed per table, visits moved (the checker's verdicts: planner.workflow.solve.compare_versions)."""
        plan1, plan2 = self.load_plan(name, v1), self.load_plan(name, v2)
        problem2 = self.load_version_input(name, v2).problem()
        with self.engine.connect() as conn:
            since = self._version_row(conn, name, v2).since
        return compare_plans(plan1, plan2, problem2, since=since)

    def restore(self, name: str, number: int, *, author: str, expected_revision: int | None = None) -> int:
        """Make version `number`'s input the scenario's current input (a new revision, audited)."""
        with self._tx() as conn:
            row = self._scenario_row(conn, name)
            if expected_revision is not None and expected_revision != row.revision:
                raise ConflictError(name, expected_revision, int(row.revision),
                                    self._changes_since(conn, row.id, expected_revision))
            v = self._version_row(conn, name, number)
            snapshot = self._get_input(conn, v.input_id)
            current = (self._get_input(conn, row.current_input_id, row.revision)
                       if row.current_input_id is not None else None)
            return self._make_current(conn, row, current, snapshot.tables, snapshot.rules, snapshot.source, author,
                                      action="restore", what=f"restored the input of version {number}",
                                      extra={"version": number})

    # -- publishing: a solved version is a draft until an organizer publishes it (people and roles) ------------
    def publish(self, name: str, number: int, *, author: str) -> None:
        """Mark version `number` published (audited); units and cadres then see it. Publishing again is a no-op."""
        with self._tx() as conn:
            row = self._scenario_row(conn, name)
            self._version_row(conn, name, number)
            done = conn.execute(select(t.publications.c.id).where(
                t.publications.c.scenario_id == row.id, t.publications.c.version == number)).first()
            if done is not None:
                return
            conn.execute(insert(t.publications).values(scenario_id=row.id, version=number, published_at=utcnow(),
                                                       published_by=author))
            self._audit(conn, row.id, author, "publish", f"version {number} published", None, number, None, {})
        log.info("scenario %s: version %d published by %s", name, number, author)

    def published_versions(self, name: str) -> list[int]:
        """Numbers of the versions of `name` that were published, oldest first."""
        with self.engine.connect() as conn:
            row = self._scenario_row(conn, name)
            rows = conn.execute(select(t.publications.c.version).where(t.publications.c.scenario_id == row.id)
                                .order_by(t.publications.c.id)).all()
        return [int(r.version) for r in rows]

    def current_publication(self) -> tuple[str, int] | None:
        """(scenario, version) published last in the whole store: the plan in force that units and cadres see."""
        with self.engine.connect() as conn:
            r = conn.execute(select(t.scenarios.c.name, t.publications.c.version)
                             .join(t.scenarios, t.scenarios.c.id == t.publications.c.scenario_id)
                             .order_by(t.publications.c.id.desc()).limit(1)).first()
        return None if r is None else (str(r.name), int(r.version))
