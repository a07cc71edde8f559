"""The definitions of the shared numbers as they are written: the docstring of each analytics module
(the definition of its family of numbers, the text ``revbridge funnel --help`` and the others print) and
of each of its public functions (what one metric returns). Read from the modules' source, not imported:
a glossary or a help text need not wait for Ibis and pandas."""

from __future__ import annotations

import ast
import importlib.util
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from types import MappingProxyType


@dataclass(frozen=True)
class Definition:
    module: str  # e.g. revbridge.analytics.funnel
    text: str  # the module's docstring
    functions: Mapping[str, str]  # each public function's docstring, by name, in file order


@cache
def definition(module: str) -> Definition:
    """The docstrings of ``module`` (a dotted name of any module, not only analytics')."""
    spec = importlib.util.find_spec(module)
    if spec is None or spec.origin is None:
        raise ValueError(f"no module {module}")
    tree = ast.parse(Path(spec.origin).read_text(encoding="utf-8"))
    functions = {
        node.name: ast.get_docstring(node) or ""
        for node in tree.body
        if isinstance(node, ast.FunctionDef) and not node.name.startswith("_")
    }
    return Definition(module, ast.get_docstring(tree) or "", MappingProxyType(functions))
