"""The compose file as plain data plus where every key and value sits in the text.

ruamel.yaml's round-trip loader keeps line and column for each node; we copy the
data into plain dicts, lists and scalars (what pydantic expects) and keep the
positions in two tables keyed by the path to the node, so any later stage can
point a problem at the exact line.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import MarkedYAMLError, YAMLError
from ruamel.yaml.scalarbool import ScalarBoolean

from heady.compose.errors import ComposeError, Problem, Severity

Key = str | int
NodePath = tuple[Key, ...]
Mark = tuple[int, int]  # 1-based line and column


def format_path(path: NodePath) -> str:
    """``("servers", "notes", "command", 0)`` -> ``servers.notes.command[0]``."""
    text = ""
    for part in path:
        if isinstance(part, int) and not isinstance(part, bool):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else str(part)
    return text


@dataclass
class Source:
    """Parsed data of one file, with positions of keys and values by path."""

    file: str
    data: Any
    keys: dict[NodePath, Mark] = field(default_factory=dict)
    values: dict[NodePath, Mark] = field(default_factory=dict)

    def locate(self, path: NodePath, at_key: bool = False) -> Mark | None:
        """Position of ``path``, or of its nearest ancestor that is in the file."""
        if path in self.keys or path in self.values:
            first, second = (self.keys, self.values) if at_key else (self.values, self.keys)
            return first.get(path) or second.get(path)
        for end in range(len(path) - 1, -1, -1):
            prefix = path[:end]
            mark = self.keys.get(prefix) or self.values.get(prefix)
            if mark is not None:
                return mark
        return None

    def problem(
        self,
        path: NodePath,
        message: str,
        hint: str | None = None,
        severity: Severity = "error",
        at_key: bool = False,
    ) -> Problem:
        mark = self.locate(path, at_key=at_key)
        return Problem(
            message,
            file=self.file,
            line=mark[0] if mark else None,
            column=mark[1] if mark else None,
            path=format_path(path),
            hint=hint,
            severity=severity,
        )


def parse(text: str, file: str) -> Source:
    """Parse YAML text; malformed YAML raises ComposeError with the parser's position."""
    try:
        node = YAML(typ="rt").load(text)
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        what = str(exc.problem or exc.context or "cannot parse").replace("'\\t'", "a tab")
        what = re.sub(r'found (duplicate key "[^"]*") with value .*', r"\1", what, flags=re.DOTALL)
        hint = _yaml_hint(exc)
        raise ComposeError(
            [
                Problem(
                    f"not valid YAML: {what}",
                    file=file,
                    line=mark.line + 1 if mark else None,
                    column=mark.column + 1 if mark else None,
                    hint=hint,
                )
            ]
        ) from None
    except YAMLError as exc:
        raise ComposeError([Problem(f"not valid YAML: {exc}", file=file)]) from None
    source = Source(file=file, data=None)
    source.data = _plain(node, (), source)
    return source


def _yaml_hint(exc: MarkedYAMLError) -> str:
    problem = str(exc.problem or "")
    if "duplicate key" in problem:
        return "each key may appear once in a mapping; remove or rename one of them"
    if "\\t" in problem:
        return "indent with spaces, not tabs"
    if "mapping values are not allowed" in problem:
        return "a value that contains ': ' must be quoted"
    if exc.context and exc.context_mark and exc.problem_mark:
        return f"{exc.context} at line {exc.context_mark.line + 1}; check indentation and quoting there"
    return "check indentation, colons and quoting near this position"


def _plain(node: Any, path: NodePath, source: Source) -> Any:
    """Copy a ruamel node tree into plain Python values, recording positions."""
    if isinstance(node, CommentedMap):
        out: dict[Any, Any] = {}
        for raw_key, value in node.items():
            key = _scalar(raw_key)
            child = (*path, key)
            owner = _owner(node, raw_key)
            if owner is not None:
                line, col = owner.lc.key(raw_key)
                source.keys[child] = (line + 1, col + 1)
                vline, vcol = owner.lc.value(raw_key)
                source.values[child] = (vline + 1, vcol + 1)
            out[key] = _plain(value, child, source)
        return out
    if isinstance(node, CommentedSeq):
        items: list[Any] = []
        for index, value in enumerate(node):
            child = (*path, index)
            try:
                line, col = node.lc.item(index)
                source.values[child] = (line + 1, col + 1)
            except (KeyError, TypeError, IndexError):
                pass
            items.append(_plain(value, child, source))
        return items
    return _scalar(node)


def _owner(node: CommentedMap, key: Any) -> CommentedMap | None:
    """The mapping that holds ``key`` as written: ``node`` itself, or for a key brought in
    with a YAML merge (``<<: *defaults``) the anchored mapping it came from."""
    try:
        node.lc.key(key)
        return node
    except (KeyError, TypeError):
        pass
    for merged in getattr(node, "merge", None) or []:
        if isinstance(merged, CommentedMap) and key in merged:
            return _owner(merged, key)
    return None


def _scalar(value: Any) -> Any:
    """ruamel's scalar subclasses (ScalarInt, ScalarFloat, quoted strings...) as plain types."""
    if value is None or type(value) in (str, int, float, bool):
        return value
    if isinstance(value, bool | ScalarBoolean):
        return bool(value)
    if isinstance(value, str):
        return str(value)
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        return float(value)
    if hasattr(value, "value") and isinstance(value.value, str):  # a tagged scalar such as !!binary
        return str(value.value)
    return value
