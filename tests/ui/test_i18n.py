"""The app's dictionary: every key has Chinese and English text with the same placeholders."""

from __future__ import annotations

import string

import pytest

from planner.errors import Lang
from planner.ui import i18n
from planner.ui.i18n import T, tr


def _fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def test_every_key_has_both_languages_with_the_same_placeholders() -> None:
    missing = [k for k, (zh, en) in T.items() if not zh.strip() or not en.strip()]
    mismatched = [k for k, (zh, en) in T.items() if _fields(zh) != _fields(en)]
    assert (missing, mismatched) == ([], [])


def test_the_checks_can_fail() -> None:
    assert _fields("共 {n} 行，{m:.1f}") == {"n", "m"}
    assert _fields("{n} rows") != _fields("共 {rows} 行")


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_tr_fills_placeholders(lang: Lang) -> None:
    assert tr(lang, "app.plan_status", status="x", seconds=1.5).count("1.5") == 1


def test_one_lang_type() -> None:
    """Lang is defined once (planner.errors) and the app's dictionary uses that definition."""
    import planner.errors

    assert i18n.Lang is planner.errors.Lang
