"""Which JSON library costs the gateway least per forwarded ``tools/call``?

The gateway's JSON work per call: parse the client's body, serialise the upstream
request (the same message with the gateway's id), parse the upstream's answer, serialise
the answer with the client's id. This times exactly that round, with the real payloads
of the benchmark (FastMCP echo), for each library that is installed: the standard
library ``json``, ``orjson`` (Heady's), and ``msgspec`` / ``ujson`` when present
(``.venv/bin/pip install msgspec ujson``; not Heady dependencies). Bounded: N rounds.

Run: .venv/bin/python bench/json_libs.py [--rounds N] [--no-docs]
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # run as a script: make `bench` importable, not bench/'s files
    sys.path[0] = str(Path(__file__).resolve().parent.parent)

from bench.report import command_line, machine_line, write_section

REQUEST = (
    b'{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"echo__echo","arguments":{"text":"hello"},'
    b'"_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28",'
    b'"io.modelcontextprotocol/clientInfo":{"name":"heady-bench-wrk","version":"1"},'
    b'"io.modelcontextprotocol/clientCapabilities":{}}}}'
)
RESPONSE = (
    b'{"jsonrpc":"2.0","id":7,"result":{"_meta":{"fastmcp":{"wrap_result":true},'
    b'"io.modelcontextprotocol/serverInfo":{"name":"echo","version":"4.1.2"}},'
    b'"content":[{"text":"hello","type":"text"}],"isError":false,"resultType":"complete",'
    b'"structuredContent":{"result":"hello"}}}'
)

Codec = tuple[Callable[[bytes], Any], Callable[[Any], bytes]]


def _encoding(dumps: Callable[[Any], str]) -> Callable[[Any], bytes]:
    return lambda value: dumps(value).encode()


def codecs() -> dict[str, Codec]:
    """(loads, dumps-to-bytes) for each installed library."""
    found: dict[str, Codec] = {
        "json (stdlib)": (json.loads, lambda value: json.dumps(value, separators=(",", ":")).encode())
    }
    for name in ("orjson", "msgspec", "ujson"):
        try:
            module = importlib.import_module(name)
        except ImportError:
            continue
        if name == "orjson":
            found[name] = (module.loads, module.dumps)
        elif name == "msgspec":
            found[name] = (module.json.decode, module.json.encode)
        else:
            found[name] = (module.loads, _encoding(module.dumps))
    return found


def one_round(codec: Codec) -> None:
    """What the gateway does with JSON for one forwarded call."""
    loads, dumps = codec
    message = loads(REQUEST)
    message["params"]["name"] = "echo"
    dumps({**message, "id": 7})
    answer = loads(RESPONSE)
    answer["id"] = message["id"]
    dumps(answer)


def measure(codec: Codec, rounds: int) -> float:
    """CPU microseconds per round (process time, best of 3)."""
    best = float("inf")
    for _ in range(3):
        start = time.process_time()
        for _ in range(rounds):
            one_round(codec)
        best = min(best, (time.process_time() - start) / rounds * 1e6)
    return best


def table(rounds: int) -> str:
    """Markdown: each installed library's CPU per forwarded call."""
    lines = [
        f"| library | µs CPU per call (parse and serialise twice; best of 3 runs of {rounds}) |",
        "|---|--:|",
    ]
    for name, codec in codecs().items():
        lines.append(f"| {name} | {measure(codec, rounds):.2f} |")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="bench/json_libs.py", description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=50000, help="calls per timing (default 50000)")
    parser.add_argument("--no-docs", action="store_true", help="do not update docs/benchmarks.md")
    args = parser.parse_args(sys.argv[1:] if argv is None else argv)
    if args.rounds < 1:
        parser.error(f"--rounds must be at least 1, got {args.rounds}")
    machine = machine_line(os.getloadavg())  # taken at the start: the commit and load measured
    section = "\n".join(
        [f"Command: `{command_line(sys.argv)}`  ", f"Machine: {machine}", "", table(args.rounds)]
    )
    print(section)
    if not args.no_docs:
        write_section("json", section)
        print("updated docs/benchmarks.md (section bench:json)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
