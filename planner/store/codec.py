"""DataFrames <-> Parquet bytes, content hashes, and the split of personal columns out of the households table.

Parquet is the storage format because it keeps dtypes that `to_sql` loses (str ids with leading zeros, dates,
NaN floats). pandas 3 reads text back as the "str" dtype; columns that were `object` when written are put back
to `object` so a round trip gives an identical frame.
"""

from __future__ import annotations

import hashlib
import io
import json
from collections.abc import Mapping
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

# Household columns that identify a person: stored only in the `personal_data` table (see schema.py).
PERSONAL_TABLE = "households"
PERSONAL_KEY = "household_id"
PERSONAL_COLUMNS: tuple[str, ...] = ("name", "lat", "lon")


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def frame_to_bytes(frame: pd.DataFrame) -> bytes:
    """Parquet bytes (no index: row position is the meaning, indexes are not kept)."""
    buffer = io.BytesIO()
    frame.reset_index(drop=True).to_parquet(buffer, engine="pyarrow", index=False, compression="zstd")
    return buffer.getvalue()


def frame_from_bytes(data: bytes) -> pd.DataFrame:
    table = pq.read_table(pa.BufferReader(data))
    frame = table.to_pandas()
    meta = table.schema.pandas_metadata or {}
    for column in meta.get("columns", []):
        name = column.get("name")
        if name in frame.columns and column.get("numpy_type") == "object" and frame[name].dtype != object:
            values = frame[name].astype(object)
            frame[name] = values.where(frame[name].notna(), None)
    return frame


def split_personal(households: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(households without personal columns, personal frame keyed by household_id in the same row order)."""
    present = [c for c in PERSONAL_COLUMNS if c in households.columns]
    personal = households[[PERSONAL_KEY, *present]].reset_index(drop=True)
    rest = households.drop(columns=present).reset_index(drop=True)
    return rest, personal


def join_personal(households: pd.DataFrame, personal: pd.DataFrame | None, columns: list[str]) -> pd.DataFrame:
    """Put personal columns back in the original column order; after a purge names are empty, coordinates NaN."""
    out = households.copy()
    if personal is not None and len(personal) == len(out) and (
            personal[PERSONAL_KEY].to_numpy() == out[PERSONAL_KEY].to_numpy()).all():
        for column in PERSONAL_COLUMNS:
            if column in personal.columns:
                out[column] = personal[column].to_numpy()
    elif personal is not None:
        merged = out[[PERSONAL_KEY]].merge(personal, on=PERSONAL_KEY, how="left")
        for column in PERSONAL_COLUMNS:
            if column in merged.columns:
                out[column] = merged[column].to_numpy()
    for column in PERSONAL_COLUMNS:
        if column not in out.columns and column in columns:
            out[column] = float("nan") if column in ("lat", "lon") else ""
    return out[[c for c in columns if c in out.columns]]


def digest(parts: Mapping[str, Any]) -> str:
    """Stable hash of a JSON-able mapping (e.g. {table: blob hash, "rules": {...}})."""
    return sha256(json.dumps(parts, sort_keys=True, default=str, ensure_ascii=False).encode("utf-8"))
