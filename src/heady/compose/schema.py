"""The JSON Schema of mcp-compose.yaml, generated from the model.

Committed as ``schema/mcp-compose.schema.json`` so editors (through the YAML
language server) offer completion and inline errors; a test keeps it in sync.
Regenerate with ``heady validate --print-schema > schema/mcp-compose.schema.json``.
"""

from __future__ import annotations

import json
from typing import Any

from heady.compose.model import ComposeFile

SCHEMA_ID = "https://heady.dev/schema/mcp-compose.schema.json"


def json_schema() -> dict[str, Any]:
    schema = ComposeFile.model_json_schema()
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": SCHEMA_ID,
        "title": "mcp-compose.yaml",
        **{k: v for k, v in schema.items() if k != "title"},
    }


def render_schema() -> str:
    """The schema as committed: stable key order, two-space indent, trailing newline."""
    return json.dumps(json_schema(), indent=2, ensure_ascii=False) + "\n"
