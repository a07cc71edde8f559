"""A report's HTML file printed to PDF by headless Chromium (Debian's ``chromium``, or Chrome).

The charts are drawn by JavaScript, so Chromium gets a virtual-time budget to run the scripts before it
prints; the page's print stylesheet lays it out on A4. Chromium runs with a throw-away profile, no
network chatter, and a time limit.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import tempfile
from pathlib import Path

from revbridge.domain.errors import RevBridgeError

BROWSERS = ("chromium", "chromium-browser", "google-chrome")
TIMEOUT_SECONDS = 120.0


class BrowserMissing(RevBridgeError):
    def __init__(self, html: Path) -> None:
        self.html = html
        super().__init__(
            f"no Chromium to print the PDF with (looked for REVBRIDGE_CHROMIUM, then {', '.join(BROWSERS)} on "
            f"PATH): install it (`apt install chromium`) or set REVBRIDGE_CHROMIUM to its path. The HTML report "
            f"was written: {html}"
        )


class PrintFailed(RevBridgeError):
    def __init__(self, html: Path, why: str) -> None:
        self.html = html
        super().__init__(f"Chromium could not print the PDF ({why}). The HTML report was written: {html}")


def find_chromium(configured: str | None = None) -> str | None:
    """The browser to print with: ``configured`` (REVBRIDGE_CHROMIUM) if given, else the first of
    ``BROWSERS`` on PATH; None when there is none."""
    if configured:
        return shutil.which(configured)
    return next((found for name in BROWSERS if (found := shutil.which(name)) is not None), None)


def print_pdf(html: Path, pdf: Path, *, browser: str | None, timeout: float = TIMEOUT_SECONDS) -> None:
    """Print the HTML file ``html`` to ``pdf`` with ``browser`` (see ``find_chromium``)."""
    if browser is None:
        raise BrowserMissing(html)
    target = pdf.resolve()
    target.unlink(missing_ok=True)
    with tempfile.TemporaryDirectory(prefix="revbridge-chromium-") as profile:
        command = [
            browser,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            f"--user-data-dir={profile}",
            "--run-all-compositor-stages-before-draw",
            "--virtual-time-budget=5000",
            "--window-size=794,1123",  # A4 at 96 dpi: the charts are drawn at the width they print at
            "--no-pdf-header-footer",
            f"--print-to-pdf={target}",
            html.resolve().as_uri(),
        ]
        # A session of its own: on a timeout, Chromium's helper processes are stopped with it.
        with subprocess.Popen(
            command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True
        ) as chromium:
            try:
                _, errors = chromium.communicate(timeout=timeout)
            except subprocess.TimeoutExpired:
                os.killpg(chromium.pid, signal.SIGKILL)
                chromium.communicate()
                raise PrintFailed(html, f"no PDF after {timeout:.0f} s") from None
    if chromium.returncode != 0 or not target.is_file() or target.stat().st_size == 0:
        last = (errors.strip().splitlines() or ["no message"])[-1]
        raise PrintFailed(html, f"exit status {chromium.returncode}: {last}")
