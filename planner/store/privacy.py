"""Pseudonymising household data for exports and screenshots (`--redact`), and a log-safe repr of tables.

Household names and coordinates are personal data. Redaction replaces a name by a stable pseudonym derived from
the household id and a secret salt (so the same household gets the same pseudonym across exports of one salt,
but the name cannot be recovered) and blanks the coordinates.
"""

from __future__ import annotations

import hashlib
import hmac
import os
from collections.abc import Mapping

import pandas as pd

from planner.store.codec import PERSONAL_COLUMNS, PERSONAL_KEY, PERSONAL_TABLE

SALT_ENV = "PLANNER_REDACT_SALT"
PSEUDONYM_PREFIX = "联系户"
PSEUDONYM_HEX = 8


def pseudonym(household_id: str, salt: bytes) -> str:
    digest = hmac.new(salt, str(household_id).encode("utf-8"), hashlib.sha256).hexdigest()
    return f"{PSEUDONYM_PREFIX}-{digest[:PSEUDONYM_HEX]}"


def _salt(salt: bytes | str | None) -> bytes:
    if salt is None:
        salt = os.environ.get(SALT_ENV) or os.urandom(16).hex()
    return salt.encode("utf-8") if isinstance(salt, str) else salt


def redact_households(households: pd.DataFrame, salt: bytes | str | None = None) -> pd.DataFrame:
    """Names → pseudonyms, coordinates → NaN; ids, community and priority stay (the plan needs them)."""
    key = _salt(salt)
    out = households.copy()
    if "name" in out.columns:
        out["name"] = [pseudonym(h, key) for h in out[PERSONAL_KEY].astype(str)]
    for column in PERSONAL_COLUMNS:
        if column != "name" and column in out.columns:
            out[column] = float("nan")
    return out


def redact_tables(tables: Mapping[str, pd.DataFrame], salt: bytes | str | None = None) -> dict[str, pd.DataFrame]:
    """A copy of the input tables with the households table redacted (the only one holding personal data)."""
    key = _salt(salt)
    return {stem: redact_households(frame, key) if stem == PERSONAL_TABLE else frame.copy()
            for stem, frame in tables.items()}


def describe(tables: Mapping[str, pd.DataFrame]) -> str:
    """A log-safe summary: table names and row counts only."""
    return ", ".join(f"{stem}={len(frame)}" for stem, frame in tables.items())
