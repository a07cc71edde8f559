"""What the dashboard's working forms share: where a form sends the browser back to, the one-line message
the next page shows ("Accepted: lead 42 is now SAL"), and the HTTP status of a refusal.

- **Back**: a form says where it was sent from (``back``); only a path of this site is followed, so a
  crafted form cannot send people elsewhere.
- **Flash**: the message rides in a cookie that lives a minute and is read once (the page that shows it
  drops it). A cookie rather than a query parameter, so that nobody can make a link that puts words of
  their choosing on a RevBridge page; the template escapes it all the same.
- **Refusals** answer with the status the API would: 403 for who may not, 404 for what is not there,
  409 for a lead someone changed a moment ago, 422 for what the rules refuse or the form got wrong.
"""

from __future__ import annotations

from urllib.parse import quote, unquote

from fastapi import Request
from fastapi.responses import RedirectResponse, Response

from revbridge.domain.api_access import NotAllowed
from revbridge.domain.errors import Conflict, InvalidInput, NotFound, Refused, RevBridgeError
from revbridge.domain.permissions import NotPermitted

FLASH = "rb_flash"
FLASH_SECONDS = 60
_STATUS: tuple[tuple[type[RevBridgeError], int], ...] = (
    (NotAllowed, 403),
    (NotPermitted, 403),
    (NotFound, 404),
    (Conflict, 409),
    (Refused, 422),
    (InvalidInput, 422),
)


def refusal_status(error: RevBridgeError) -> int:
    """The HTTP status a refusal is answered with, by the API and the pages alike."""
    return next((status for kind, status in _STATUS if isinstance(error, kind)), 400)


def local_path(target: str, default: str) -> str:
    """``target`` if it is a path of this site, else ``default``."""
    target = target.strip()
    return target if target.startswith("/") and not target.startswith(("//", "/\\")) else default


def done(request: Request, target: str, message: str) -> RedirectResponse:
    """Back to ``target`` (303), which will show ``message`` once."""
    answer = RedirectResponse(target, status_code=303)
    secure = request.url.scheme == "https"
    answer.set_cookie(
        FLASH, quote(message), max_age=FLASH_SECONDS, httponly=True, samesite="lax", secure=secure, path="/"
    )
    return answer


def flash_of(request: Request) -> str | None:
    """The message a form left for this page, if any."""
    kept = request.cookies.get(FLASH)
    return unquote(kept)[:500] if kept else None


def shown(request: Request, answer: Response) -> Response:
    """``answer``, dropping the message it showed so that a reload does not show it again."""
    if FLASH in request.cookies:
        answer.delete_cookie(FLASH, path="/")
    return answer
