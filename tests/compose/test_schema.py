"""The committed JSON Schema matches the model, and validates real compose files."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
from ruamel.yaml import YAML

from heady.compose import json_schema, render_schema

REPO = Path(__file__).resolve().parents[2]
COMMITTED = REPO / "schema" / "mcp-compose.schema.json"


def test_committed_schema_is_in_sync_with_the_model() -> None:
    assert COMMITTED.read_text() == render_schema(), (
        "schema/mcp-compose.schema.json is out of date; regenerate it with "
        "`heady validate --print-schema > schema/mcp-compose.schema.json` and commit it"
    )


def test_units_accept_strings_and_numbers() -> None:
    defs = json_schema()["$defs"]
    for model, field in (("Limits", "timeout"), ("Limits", "max_request_bytes"), ("RateLimit", "rate")):
        types = {arm["type"] for arm in defs[model]["properties"][field]["anyOf"]}
        assert types == {"number", "string"}, (model, field)


def test_schema_describes_every_section() -> None:
    schema = json.loads(render_schema())
    assert schema["title"] == "mcp-compose.yaml"
    assert schema["additionalProperties"] is False
    server = schema["$defs"]["ServerConfig"]
    assert server["additionalProperties"] is False
    undocumented = [name for name, prop in server["properties"].items() if not prop.get("description")]
    assert undocumented == []


def _schema_errors(document: object) -> list[tuple[str, str]]:
    validator = jsonschema.Draft202012Validator(json.loads(COMMITTED.read_text()))
    return sorted(
        (".".join(map(str, error.absolute_path)), error.validator)
        for error in validator.iter_errors(document)
    )


def test_editor_schema_accepts_the_example_stack() -> None:
    document = YAML(typ="safe").load((REPO / "examples" / "mcp-compose.yaml").read_text())
    assert _schema_errors(document) == []


def test_editor_schema_flags_typos_and_bad_units() -> None:
    document = {
        "x-defaults": {"anything": True},
        "servers": {
            "notes": {
                "command": "python -m notes",
                "helthcheck": {},
                "timeout": "10 sec",
                "limits": {"max_request_bytes": "1MiB"},
                "slo": {"error_rate": "1%", "availability": 2},
            }
        },
    }
    assert _schema_errors(document) == [
        ("servers.notes", "additionalProperties"),
        ("servers.notes.slo.availability", "anyOf"),
        ("servers.notes.timeout", "anyOf"),
    ]
