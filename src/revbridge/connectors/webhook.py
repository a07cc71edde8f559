"""POST a JSON message to a chat webhook (Slack incoming webhooks and look-alikes), with the standard library.

The request carries ``Content-Type: application/json`` and an ``Idempotency-Key`` header, so that a receiver
can drop the second copy of a message sent again after a crash. Any answer but 2xx, and any network error,
raises :class:`DeliveryFailed`; client errors that sending again cannot fix (400, 403, 404, 410 …) are
``permanent``. Redirects are not followed: a redirected POST would arrive as a GET without its body.

Webhook URLs are secrets (Slack's carry a token in the path), so error messages name the host only.
"""

from __future__ import annotations

import http.client
import json
import urllib.error
import urllib.request
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

from revbridge.domain.errors import DeliveryFailed

DEFAULT_TIMEOUT = 10.0
MAX_EXCERPT_CHARS = 200
RETRYABLE_CLIENT_ERRORS = frozenset({408, 409, 425, 429})
USER_AGENT = "revbridge-webhook/1"


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *_args: Any, **_kwargs: Any) -> None:
        return None  # urllib then raises the 3xx as an HTTPError


_OPENER = urllib.request.build_opener(_NoRedirects)


def post_json(url: str, payload: Mapping[str, Any], idempotency_key: str, timeout: float = DEFAULT_TIMEOUT) -> None:
    """Send ``payload`` as JSON to ``url``; raise :class:`DeliveryFailed` unless the answer is 2xx."""
    where = _origin(url)
    request = urllib.request.Request(
        url,
        data=json.dumps(payload, ensure_ascii=False).encode("utf-8"),
        method="POST",
        headers={"Content-Type": "application/json", "Idempotency-Key": idempotency_key, "User-Agent": USER_AGENT},
    )
    try:
        with _OPENER.open(request, timeout=timeout) as response:
            response.read()
    except urllib.error.HTTPError as exc:
        with exc:
            excerpt = _excerpt(exc.read())
        raise DeliveryFailed(f"{where} answered {exc.code}: {excerpt}", permanent=_permanent(exc.code)) from exc
    except urllib.error.URLError as exc:
        raise DeliveryFailed(f"{where} unreachable: {exc.reason}") from exc
    except (OSError, http.client.HTTPException) as exc:
        raise DeliveryFailed(f"{where} unreachable: {type(exc).__name__}: {exc}") from exc


def _origin(url: str) -> str:
    """``https://hooks.slack.com`` for a full webhook URL; refuses anything but http(s)."""
    parts = urlsplit(url)
    try:
        port = parts.port
    except ValueError:  # a port that is not a number
        port = -1
    if parts.scheme not in ("http", "https") or not parts.hostname or port == -1:
        raise DeliveryFailed(f"not an http(s) webhook URL: {parts.scheme or '(no scheme)'}:…", permanent=True)
    return f"{parts.scheme}://{parts.hostname}" + (f":{port}" if port else "")


def _permanent(status: int) -> bool:
    return 400 <= status < 500 and status not in RETRYABLE_CLIENT_ERRORS


def _excerpt(body: bytes) -> str:
    text = " ".join(body[: MAX_EXCERPT_CHARS * 4].decode("utf-8", errors="replace").split())
    if not text:
        return "(empty body)"
    return text if len(text) <= MAX_EXCERPT_CHARS else text[: MAX_EXCERPT_CHARS - 1] + "…"
