"""planner.messages: every message has Chinese and English text with the same placeholders, and fills them."""

from __future__ import annotations

import string

import pytest

from planner.messages import MESSAGES, text


def _fields(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def test_every_message_has_both_languages_with_the_same_placeholders() -> None:
    assert [k for k, (zh, en) in MESSAGES.items() if not zh or not en or _fields(zh) != _fields(en)] == []


def test_text_fills_both_languages() -> None:
    assert text("store.no_version", name="2027", label=3) == ("方案“2027”没有版本 3", "scenario '2027' has no version 3")


def test_an_unknown_key_or_a_missing_value_is_an_error() -> None:
    with pytest.raises(KeyError):
        text("store.nothing")
    with pytest.raises(KeyError):
        text("store.no_scenario")
