"""A YAML document read for validation: its data, and the line of any path in it.

Reading is strict where YAML 1.1 surprises people: only ``true``/``false`` are booleans (``NO``, Norway's
country code, stays text), ``17:30`` is text rather than the base-60 number 1050, and ``09`` is text rather
than an octal error. A key written twice is reported, since YAML would silently keep the last one.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from revbridge.domain.errors import FieldError

Loc = tuple[str | int, ...]

_BOOL = "tag:yaml.org,2002:bool"
_INT = "tag:yaml.org,2002:int"
_FLOAT = "tag:yaml.org,2002:float"


class _StrictLoader(yaml.SafeLoader):
    """SafeLoader with YAML 1.2 core-schema booleans and numbers."""


_StrictLoader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag not in (_BOOL, _INT, _FLOAT)]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_StrictLoader.add_implicit_resolver(_BOOL, re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF"))
_StrictLoader.add_implicit_resolver(_INT, re.compile(r"^[-+]?(?:0|[1-9][0-9]*)$"), list("-+0123456789"))
_StrictLoader.add_implicit_resolver(
    _FLOAT,
    re.compile(r"^[-+]?(?:[0-9]+\.[0-9]*|\.[0-9]+|[0-9]+(?:\.[0-9]*)?[eE][-+]?[0-9]+)$"),
    list("-+0123456789."),
)


def path_text(loc: Loc) -> str:
    """``("scoring", "fit", 2, "op")`` -> ``scoring.fit[2].op``."""
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or "(document)"


@dataclass
class YamlSource:
    """Parsed YAML with the node tree kept, so a path maps back to a line."""

    data: Any
    root: Node | None
    problems: list[FieldError] = field(default_factory=list)

    @classmethod
    def parse(cls, text: str) -> YamlSource:
        """Parse ``text``; a syntax error comes back as the only problem, with its line."""
        try:
            loader = _StrictLoader(text)  # reads the text: a character YAML forbids is refused here
        except yaml.YAMLError as exc:
            return cls(None, None, [FieldError("(document)", f"not valid YAML: {exc}")])
        try:
            root = loader.get_single_node()
            data = loader.construct_document(root) if root is not None else None
        except yaml.MarkedYAMLError as exc:
            mark = exc.problem_mark or exc.context_mark
            line = mark.line + 1 if mark is not None else None
            what = " ".join(p for p in (exc.context, exc.problem) if p)
            return cls(None, None, [FieldError("(document)", f"not valid YAML: {what}", line)])
        except yaml.YAMLError as exc:
            return cls(None, None, [FieldError("(document)", f"not valid YAML: {exc}")])
        finally:
            loader.dispose()
        return cls(data, root, list(_duplicate_keys(root, ()))) if root is not None else cls(None, None)

    def line_of(self, loc: Loc) -> int | None:
        """Line of the deepest node on ``loc`` that exists: a key's line for a mapping entry."""
        node = self.root
        if node is None:
            return None
        line = node.start_mark.line + 1
        for part in loc:
            if isinstance(node, MappingNode):
                for key, value in node.value:
                    if isinstance(key, ScalarNode) and key.value == str(part):
                        line, node = key.start_mark.line + 1, value
                        break
                else:
                    return line
            elif isinstance(node, SequenceNode) and isinstance(part, int) and 0 <= part < len(node.value):
                node = node.value[part]
                line = node.start_mark.line + 1
            else:
                return line
        return line


def _duplicate_keys(node: Node, loc: Loc) -> Iterator[FieldError]:
    if isinstance(node, MappingNode):
        seen: dict[str, int] = {}
        for key, value in node.value:
            name = key.value if isinstance(key, ScalarNode) else None
            if name is not None and name != "<<":
                line = key.start_mark.line + 1
                if name in seen:
                    yield FieldError(
                        path_text((*loc, name)),
                        f"key written twice (first at line {seen[name]}); YAML keeps only the last, so remove one",
                        line,
                    )
                seen.setdefault(name, line)
            yield from _duplicate_keys(value, (*loc, name) if name is not None else loc)
    elif isinstance(node, SequenceNode):
        for index, item in enumerate(node.value):
            yield from _duplicate_keys(item, (*loc, index))
