"""The store's tables (SQLAlchemy Core), the single source the Alembic migrations are checked against.

Layout, and why:
- `blobs`: content-addressed Parquet bytes (sha256 key). Tables are stored as Parquet because `to_sql` loses
  dtypes (ids with leading zeros, Int64, dates); content addressing means an edit of the rules does not copy
  15,000 households again.
- `personal_data`: the ONE place where household names and coordinates live (a Parquet blob per distinct content,
  per scenario), so `purge_personal_data` can erase them without touching anything else.
- `inputs`: an immutable input snapshot (tables by blob hash, rules JSON, link to its personal data).
- `scenarios.revision`: the optimistic-locking counter of the scenario's *current* input (`current_input_id`).
- `versions`: immutable solved plans; each points at the input snapshot it was solved from.
- `audit`: one row per change of data, rules, locks, restore, purge and each saved version.
"""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    Column,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

metadata = MetaData(naming_convention=NAMING)

blobs = Table(
    "blobs", metadata,
    Column("sha256", String(64), primary_key=True),
    Column("size", Integer, nullable=False),
    Column("data", LargeBinary, nullable=False),
)

scenarios = Table(
    "scenarios", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("name", String(200), nullable=False, unique=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("created_by", String(200), nullable=False),
    Column("revision", Integer, nullable=False, default=0),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    Column("updated_by", String(200), nullable=False),
    Column("current_input_id", Integer, nullable=True),  # inputs.id; no FK because inputs points back here
    Column("last_version", Integer, nullable=False, default=0),
)

personal_data = Table(
    "personal_data", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("scenario_id", Integer, ForeignKey("scenarios.id", ondelete="CASCADE"), nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("data", LargeBinary, nullable=True),  # NULL once purged
    Column("purged_at", DateTime(timezone=True), nullable=True),
    UniqueConstraint("scenario_id", "sha256", name="uq_personal_data_scenario_sha"),
)

inputs = Table(
    "inputs", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("scenario_id", Integer, ForeignKey("scenarios.id", ondelete="CASCADE"), nullable=False),
    Column("sha256", String(64), nullable=False),  # of the whole input (tables, personal data, rules)
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("created_by", String(200), nullable=False),
    Column("tables", JSON, nullable=False),  # {stem: blob sha256}
    Column("rules", JSON, nullable=False),   # Rules.to_dict()
    Column("personal_id", Integer, ForeignKey("personal_data.id"), nullable=True),
    Column("source", Text, nullable=False, default=""),
    Index("ix_inputs_scenario_sha", "scenario_id", "sha256"),
)

versions = Table(
    "versions", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("scenario_id", Integer, ForeignKey("scenarios.id", ondelete="CASCADE"), nullable=False),
    Column("number", Integer, nullable=False),
    Column("input_id", Integer, ForeignKey("inputs.id"), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("author", String(200), nullable=False),
    Column("kind", String(20), nullable=False),  # solve | replan
    Column("status", String(20), nullable=False),
    Column("objective", Float, nullable=True),
    Column("bound", Float, nullable=True),
    Column("gap", Float, nullable=True),
    Column("seconds", Float, nullable=True),
    Column("since", Date, nullable=True),
    Column("base_version", Integer, nullable=True),
    Column("tables", JSON, nullable=False),  # {plan table: blob sha256}
    Column("report", JSON, nullable=False),
    Column("note", Text, nullable=False, default=""),
    UniqueConstraint("scenario_id", "number", name="uq_versions_scenario_number"),
)

audit = Table(
    "audit", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("scenario_id", Integer, ForeignKey("scenarios.id", ondelete="CASCADE"), nullable=False),
    Column("at", DateTime(timezone=True), nullable=False),
    Column("author", String(200), nullable=False),
    Column("action", String(40), nullable=False),   # create | data | rules | locks | restore | version | purge
    Column("what", Text, nullable=False),            # short human summary (never personal data)
    Column("revision", Integer, nullable=True),       # scenario revision after the change
    Column("version", Integer, nullable=True),
    Column("input_id", Integer, nullable=True),       # the scenario's current input after the change
    Column("details", JSON, nullable=False),
    Index("ix_audit_scenario", "scenario_id", "id"),
)

# -- people and roles (migration 0002): accounts, their sign-in lockout state, account audit, published versions --
accounts = Table(
    "accounts", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("name", String(200), nullable=False, unique=True),
    Column("role", String(20), nullable=False),            # admin | organizer | unit | cadre | inspector
    Column("scope", String(200), nullable=True),           # a unit id (unit) or a cadre id (cadre)
    Column("password_hash", Text, nullable=False),         # argon2id, salted (never the password)
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("created_by", String(200), nullable=False),
    Column("password_changed_at", DateTime(timezone=True), nullable=False),
    Column("failed_attempts", Integer, nullable=False, default=0),   # consecutive failed sign-ins
    Column("locked_until", DateTime(timezone=True), nullable=True),  # sign-in refused before this time
    Column("last_sign_in", DateTime(timezone=True), nullable=True),
)

account_audit = Table(
    "account_audit", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("at", DateTime(timezone=True), nullable=False),
    Column("actor", String(200), nullable=False),     # who did it (an account name, or the system user on the CLI)
    Column("action", String(40), nullable=False),     # add | remove | passwd | lockout | import | sign_in[_failed]
    Column("account", String(200), nullable=False),   # whose account
    Column("details", JSON, nullable=False),          # role, scope, counts; never a password or a hash
)

publications = Table(
    "publications", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("scenario_id", Integer, ForeignKey("scenarios.id", ondelete="CASCADE"), nullable=False),
    Column("version", Integer, nullable=False),
    Column("published_at", DateTime(timezone=True), nullable=False),
    Column("published_by", String(200), nullable=False),
    Index("ix_publications_scenario", "scenario_id", "version"),
)

# -- Part 2: actual visits (migration 0003). Notes are personal data: their own table, purgeable, never logged. ------
actual_visits = Table(
    "actual_visits", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("scenario_id", Integer, ForeignKey("scenarios.id", ondelete="CASCADE"), nullable=False),
    Column("date", Date, nullable=True),              # when it happened (NULL for a missed planned visit)
    Column("person_kind", String(10), nullable=False),
    Column("person_id", String(64), nullable=False),
    Column("activity", String(20), nullable=False),
    Column("target_kind", String(20), nullable=False),
    Column("target_id", String(64), nullable=False),
    Column("role", String(2), nullable=False, default=""),
    Column("talk", Integer, nullable=False, default=0),
    Column("outcome", String(10), nullable=False),     # as_planned | other_day | missed | imported
    Column("planned_date", Date, nullable=True),      # the plan's date this record answers, if any
    Column("recorded_by", String(200), nullable=False),
    Column("recorded_at", DateTime(timezone=True), nullable=False),
    Index("ix_actual_visits_scenario_date", "scenario_id", "date"),
)

actual_notes = Table(
    "actual_notes", metadata,
    Column("visit_id", Integer, ForeignKey("actual_visits.id", ondelete="CASCADE"), primary_key=True),
    Column("note", Text, nullable=True),               # NULL once purged
    Column("reason", Text, nullable=True),             # why a planned visit was missed
    Column("purged_at", DateTime(timezone=True), nullable=True),
)

# -- Part 2: the case ledger (migration 0004). Each step is a case_history row (who, when, transfers kept); the
# summary is personal data: its own table, purgeable, never logged. -------------------------------------------------
cases = Table(
    "cases", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("scenario_id", Integer, ForeignKey("scenarios.id", ondelete="CASCADE"), nullable=False),
    Column("case_id", String(64), nullable=False),
    Column("opened", Date, nullable=False),
    Column("source", String(10), nullable=False),        # visit | reception | letter | hotline | online
    Column("raised_with", String(64), nullable=False, default=""),
    Column("household_id", String(64), nullable=False, default=""),
    Column("community_id", String(64), nullable=False, default=""),
    Column("owner_unit", String(64), nullable=False),
    Column("owner", String(64), nullable=False, default=""),
    Column("due", Date, nullable=False),
    Column("resolved_on", Date, nullable=True),
    Column("replied_on", Date, nullable=True),
    Column("callback_on", Date, nullable=True),
    Column("satisfied", String(3), nullable=False, default=""),
    Column("updated_by", String(200), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    UniqueConstraint("scenario_id", "case_id", name="uq_cases_scenario_case"),
)

case_history = Table(
    "case_history", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("case_pk", Integer, ForeignKey("cases.id", ondelete="CASCADE"), nullable=False),
    Column("step", String(12), nullable=False),          # open | assign | transfer | resolve | reply | callback | import
    Column("step_date", Date, nullable=True),            # the step's own date (resolved_on, ...)
    Column("from_unit", String(64), nullable=False, default=""),
    Column("to_unit", String(64), nullable=False, default=""),
    Column("owner", String(64), nullable=False, default=""),
    Column("author", String(200), nullable=False),
    Column("at", DateTime(timezone=True), nullable=False),
    Index("ix_case_history_case", "case_pk", "id"),
)

case_summaries = Table(
    "case_summaries", metadata,
    Column("case_pk", Integer, ForeignKey("cases.id", ondelete="CASCADE"), primary_key=True),
    Column("summary", Text, nullable=True),              # NULL once purged
    Column("purged_at", DateTime(timezone=True), nullable=True),
)

# -- Part 2: research reports handed in (migration 0005): one row per (scenario, person, title). Titles name a
# topic, not a household: no personal data here. -----------------------------------------------------------------
research_reports = Table(
    "research_reports", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("scenario_id", Integer, ForeignKey("scenarios.id", ondelete="CASCADE"), nullable=False),
    Column("person_id", String(64), nullable=False),
    Column("date", Date, nullable=False),
    Column("title", String(200), nullable=False),
    Column("recorded_by", String(200), nullable=False),
    Column("recorded_at", DateTime(timezone=True), nullable=False),
    UniqueConstraint("scenario_id", "person_id", "title", name="uq_research_reports_scenario_person_title"),
)
