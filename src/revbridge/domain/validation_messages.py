"""Pydantic's validation errors, reworded for the people who wrote the file: what was expected, what
was there, and for an unknown key the keys that are allowed (with the likely one when it is a typo)."""

from __future__ import annotations

import difflib
from collections.abc import Mapping, Sequence
from typing import Any

from pydantic_core import ErrorDetails

_EXPECTED: dict[str, str] = {
    "model_type": "a mapping of keys to values",
    "model_attributes_type": "a mapping of keys to values",
    "dict_type": "a mapping of keys to values",
    "list_type": "a list",
    "int_type": "a whole number",
    "int_parsing": "a whole number",
    "int_from_float": "a whole number",
    "float_type": "a number",
    "float_parsing": "a number",
    "bool_type": "true or false",
    "bool_parsing": "true or false",
    "string_type": "text",
    "date_type": "a date like 2025-01-31",
    "date_parsing": "a date like 2025-01-31",
    "date_from_datetime_parsing": "a date like 2025-01-31",
}


def shown(value: Any) -> str:
    """A value as it looks in the file, for 'got ...'."""
    if value is None:
        return "nothing"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Mapping):
        return "a mapping"
    if isinstance(value, list | tuple):
        return "a list"
    if isinstance(value, str):
        return repr(value)
    return str(value)


def describe_error(
    error: ErrorDetails, *, allowed_keys: Sequence[str] = (), hints: Mapping[str, str] | None = None
) -> str:
    """One sentence for one error. ``allowed_keys`` are the keys of the mapping an unknown key sits in;
    ``hints`` give an example value per key name, used when a required key is missing."""
    kind = error["type"]
    ctx = error.get("ctx") or {}
    got = shown(error.get("input"))
    if kind in ("value_error", "assertion_error") and "error" in ctx:
        return str(ctx["error"])
    if kind == "extra_forbidden":
        return _unknown_key(str(error["loc"][-1]), allowed_keys)
    if kind == "missing":
        name = str(error["loc"][-1]) if error["loc"] else ""
        hint = (hints or {}).get(name)
        return f"missing; expected {hint}" if hint else "missing; this key is required"
    if kind == "literal_error":
        return f"expected {ctx.get('expected')}, got {got}"
    if kind in _EXPECTED:
        return f"expected {_EXPECTED[kind]}, got {got}"
    if kind == "too_short":
        return f"expected at least {ctx.get('min_length')} item(s), got {ctx.get('actual_length')}"
    message = error["msg"]
    if message.startswith("Input should be "):
        message = "expected " + message.removeprefix("Input should be ")
    return f"{message}, got {got}"


def _unknown_key(key: str, allowed: Sequence[str]) -> str:
    if not allowed:
        return f"unknown key {key!r}"
    close = difflib.get_close_matches(key, allowed, n=1, cutoff=0.6)
    hint = f" (did you mean {close[0]!r}?)" if close else ""
    return f"unknown key {key!r}{hint}; expected one of: {', '.join(allowed)}"
