"""Every command teaches: it has help text, and the README names every command group."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer

from revbridge.cli.main import app

README = (Path(__file__).resolve().parents[1] / "README.md").read_text()


def _commands(command: Any, prefix: str = "revbridge") -> list[tuple[str, Any]]:
    """Every command under ``command`` (Typer's groups are duck-typed: they have ``commands``)."""
    found = [(prefix, command)]
    for name, sub in getattr(command, "commands", {}).items():
        found += _commands(sub, f"{prefix} {name}")
    return found


def test_every_command_has_help() -> None:
    missing = [name for name, cmd in _commands(typer.main.get_command(app)) if not (cmd.help or "").strip()]
    assert missing == []


def test_every_option_says_what_it_does() -> None:
    silent = [
        f"{name} {param.name}"
        for name, cmd in _commands(typer.main.get_command(app))
        for param in cmd.params
        if getattr(param, "param_type_name", "") == "option" and not (getattr(param, "help", "") or "").strip()
    ]
    assert silent == []


def test_the_readme_names_every_top_level_command() -> None:
    root = typer.main.get_command(app)
    assert len(_commands(root)) > 10
    unnamed = [name for name in getattr(root, "commands", {}) if f"revbridge {name}" not in README]
    assert unnamed == []
