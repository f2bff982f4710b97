"""Turn pydantic's validation errors into Problems a person can act on.

Each error is placed at the line of the offending key or value, names the field
path, says what was expected and what was found, and adds a hint: a did-you-mean
for unknown fields, the fix our validators spell out after ``;``, or the
field's own description.
"""

from __future__ import annotations

import difflib
import types
from typing import Any, Union, get_args, get_origin

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from heady.compose.errors import Problem
from heady.compose.interpolate import Interpolated
from heady.compose.model import NAME_PATTERN
from heady.compose.source import NodePath, Source

_NAME_RULE = "use lowercase letters, digits, '-' and '_', starting with a letter (at most 63 characters)"


def diagnose(
    exc: ValidationError, root: type[BaseModel], source: Source, resolved: Interpolated
) -> list[Problem]:
    """One Problem per error, skipping values whose interpolation already failed."""
    problems = []
    for error in exc.errors():
        loc = tuple(error["loc"])
        at_key = bool(loc) and loc[-1] == "[key]"
        path: NodePath = tuple(p for p in loc if p != "[key]")
        if path in resolved.failed:
            continue
        message, hint = _explain(error, path, root, resolved)
        problems.append(
            source.problem(
                path,
                resolved.hide(message),
                resolved.hide(hint) if hint else None,
                at_key=at_key or error["type"] == "extra_forbidden",
            )
        )
    return problems


def _explain(
    error: ErrorDetails, path: NodePath, root: type[BaseModel], resolved: Interpolated
) -> tuple[str, str | None]:
    kind, value = error["type"], error["input"]
    field = str(path[-1]) if path else ""
    if kind == "extra_forbidden":
        return f"unknown field {field!r}", _unknown_field_hint(field, _model_at(root, path[:-1]))
    if kind == "missing":
        return f"missing required field {field!r}", _description(root, path) or f"add {field}: ..."
    if kind in ("value_error", "assertion_error"):
        text = str(error["ctx"]["error"]) if error.get("ctx") else error["msg"]
        message, _, hint = text.partition("; ")
        return message, hint or _description(root, path)
    if kind == "string_pattern_mismatch" and error.get("ctx", {}).get("pattern") == NAME_PATTERN:
        return f"{resolved.show(path, value)} is not a valid name", _NAME_RULE
    shown = resolved.show(path, value)
    msg = error["msg"]
    expected = msg.removeprefix("Input should be ").removeprefix("Value should be ")
    if expected != msg:
        expected = expected.split(", unable to")[0].replace(" or instance of ", " like ")
        return f"expected {_plain_words(expected)}, got {shown}", _type_hint(kind) or _description(root, path)
    return f"{msg[:1].lower()}{msg[1:]} (got {shown})", _type_hint(kind) or _description(root, path)


def _plain_words(expected: str) -> str:
    """pydantic's wording with the type names a YAML author would use."""
    if expected.startswith(("greater than", "less than")):
        expected = "a number " + expected
    return (
        expected.replace("a valid dictionary like ", "a mapping of ")
        .replace("a valid dictionary", "a mapping")
        .replace("a valid list", "a list")
        .replace("a valid string", "a string")
    )


def _type_hint(kind: str) -> str | None:
    return {
        "dict_type": "write key: value pairs indented under this key",
        "model_type": "write key: value pairs indented under this key",
        "list_type": "write a list, e.g. [a, b] or one '- item' per line",
        "string_type": "quote the value to make it a string",
        "int_parsing": "write a whole number",
        "int_from_float": "write a whole number",
        "bool_parsing": "write true or false",
    }.get(kind)


def _unknown_field_hint(name: str, model: type[BaseModel] | None) -> str | None:
    """A close spelling, else the section one level down that has this field, else the list."""
    if model is None:
        return None
    allowed = list(model.model_fields)
    close = difflib.get_close_matches(name, allowed, n=1, cutoff=0.6)
    if close:
        return f"did you mean {close[0]!r}?"
    for section, info in model.model_fields.items():
        child = _as_model(info.annotation)
        if child is not None and name in child.model_fields:
            return f"{name} belongs in the {section} section: {section}: {{{name}: ...}}"
    return f"allowed here: {', '.join(allowed)}"


def _description(root: type[BaseModel], path: NodePath) -> str | None:
    if not path:
        return None
    model = _model_at(root, path[:-1])
    if model is None or not isinstance(path[-1], str) or path[-1] not in model.model_fields:
        return None
    description = model.model_fields[path[-1]].description
    return f"{path[-1]}: {description}" if description else None


def _model_at(root: type[BaseModel], path: NodePath) -> type[BaseModel] | None:
    """The model class that validates the mapping at ``path`` (None when it is not a model)."""
    annotation: Any = root
    for part in path:
        model = _as_model(annotation)
        if model is not None:
            if not isinstance(part, str) or part not in model.model_fields:
                return None
            annotation = model.model_fields[part].annotation
            continue
        annotation = _unwrap(annotation)
        origin = get_origin(annotation)
        if origin is dict:
            annotation = get_args(annotation)[1]
        elif origin is list:
            annotation = get_args(annotation)[0]
        else:
            return None
    return _as_model(annotation)


def _unwrap(annotation: Any) -> Any:
    """``X | None`` and ``Annotated[X, ...]`` -> ``X``."""
    while True:
        origin = get_origin(annotation)
        if origin is Union or origin is types.UnionType:
            arms = [a for a in get_args(annotation) if a is not type(None)]
            if len(arms) != 1:
                return annotation
            annotation = arms[0]
        elif hasattr(annotation, "__metadata__"):
            annotation = annotation.__origin__
        else:
            return annotation


def _as_model(annotation: Any) -> type[BaseModel] | None:
    annotation = _unwrap(annotation)
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    return None
