"""Pages of a listing: ``{"items": [...], "next": "<cursor>"}``, with ``next`` null on the last page.

A cursor is opaque to the caller: the place of the last item shown in the listing's order (the
service's ``next_key``), as URL-safe base64 of a JSON list. The next page is asked with ``cursor=``
that value and the same filters. A cursor that is not one of ours is a 422 problem naming
``query.cursor``; one for another listing is refused the same way, by the shape of its values.
"""

from __future__ import annotations

import base64
import binascii
import json
from datetime import UTC, date, datetime
from typing import Any, Generic, TypeVar

from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, Field

from revbridge.api.params import MAX_ID
from revbridge.services.paging import Page as ServicePage

T = TypeVar("T")


class Page(BaseModel, Generic[T]):
    items: list[T]
    next: str | None = Field(description="The cursor of the next page (pass it as `cursor`); null on the last page.")


def page(found: ServicePage[Any]) -> dict[str, Any]:
    """A service's page as the API answers it."""
    return {"items": found.items, "next": cursor_of(found.next_key)}


def cursor_of(key: tuple[Any, ...] | None) -> str | None:
    if key is None:
        return None
    values = [v.isoformat() if isinstance(v, date) else v for v in key]  # a datetime is a date too
    return base64.urlsafe_b64encode(json.dumps(values, separators=(",", ":")).encode()).decode().rstrip("=")


def key_of(cursor: str | None, *shape: type) -> tuple[Any, ...] | None:
    """The key a cursor holds, each value of the type in ``shape`` (int, str, date or datetime)."""
    if cursor is None:
        return None
    try:
        values = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        if not isinstance(values, list) or len(values) != len(shape):
            raise ValueError("not this listing's")
        return tuple(_value(v, kind) for v, kind in zip(values, shape, strict=True))
    except (ValueError, TypeError, OverflowError, binascii.Error):
        message = "not a cursor of this listing: pass the `next` of the page before, with the same filters"
        raise RequestValidationError([{"loc": ("query", "cursor"), "msg": message, "type": "value_error"}]) from None


def _value(value: Any, kind: type) -> Any:
    if kind is int and type(value) is int and 0 <= value <= MAX_ID:
        return value
    if kind is str and isinstance(value, str):
        return value
    if kind is datetime and isinstance(value, str):
        moment = datetime.fromisoformat(value)
        if moment.tzinfo is None:
            raise ValueError("naive")
        return moment.astimezone(UTC)
    if kind is date and isinstance(value, str):
        return date.fromisoformat(value)
    raise ValueError(f"expected {kind.__name__}")
