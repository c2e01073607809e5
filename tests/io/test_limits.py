"""The limits' plumbing: environment overrides, and the zip end record read before zipfile parses a directory."""

from __future__ import annotations

import io
import zipfile

import pytest

from planner.io.archive import zip_entry_count
from planner.io.limits import MAX_COLUMNS, MAX_FILE, MB


def test_environment_overrides_and_nonsense(monkeypatch: pytest.MonkeyPatch) -> None:
    assert MAX_FILE.value() == 64 * MB and MAX_COLUMNS.value() == 200
    monkeypatch.setenv("PLANNER_MAX_FILE_MB", "500")
    monkeypatch.setenv("PLANNER_MAX_COLUMNS", "12")
    assert MAX_FILE.value() == 500 * MB and MAX_COLUMNS.value() == 12
    for nonsense, expected in (("lots", 64 * MB), ("-3", 1 * MB), ("0", 1 * MB), ("", 64 * MB)):
        monkeypatch.setenv("PLANNER_MAX_FILE_MB", nonsense)
        assert MAX_FILE.value() == expected, nonsense


def _zip(count: int, comment: bytes = b"") -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for i in range(count):
            archive.writestr(f"{i}.txt", "")
        archive.comment = comment
    return buffer.getvalue()


def test_entry_count_from_the_end_record() -> None:
    assert zip_entry_count(_zip(5)) == 5
    assert zip_entry_count(_zip(5, b"a comment holding PK\x05\x06 the signature")) == 5
    assert zip_entry_count(_zip(70_000)) == 70_000  # more than 65,535: the zip64 end record
    assert zip_entry_count(b"not a zip") is None
    assert zip_entry_count(b"PK\x05\x06") is None
