"""TARGET on the command line: a URL, or a server name from the compose file."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from heady.compose import ComposeError, load_compose
from heady.compose.model import ComposeFile, Slo
from heady.loadtest.mcp import TargetError
from heady.loadtest.resources import processes_from_status


@dataclass(frozen=True)
class Target:
    url: str
    server: str | None = None
    slo: Slo | None = None
    processes: dict[str, int] | None = None  # from the heady up status file


def _gateway_base(compose: ComposeFile) -> str:
    return compose.gateway.url.removesuffix("/mcp")


def resolve(target: str, compose_path: Path, direct: bool = False, explicit_file: bool = False) -> Target:
    """Find the URL to load and, when the compose file knows the server, its SLO and processes."""
    is_url = "://" in target
    compose: ComposeFile | None = None
    if not is_url or explicit_file or compose_path.exists():
        try:
            compose = load_compose(compose_path)
        except ComposeError as exc:
            if not is_url:
                raise TargetError(
                    f"{target!r} is not a URL, and the compose file cannot be read: {exc}"
                ) from None
    processes = processes_from_status(compose.base_dir / ".heady" / "status.json") if compose else {}
    if is_url:
        server = _server_for_url(compose, target) if compose else None
        slo = compose.servers[server].slo if compose and server else None
        return Target(target, server, slo, processes)
    assert compose is not None
    if target not in compose.servers:
        names = ", ".join(sorted(compose.servers)) or "none"
        raise TargetError(
            f"no server named {target!r} in {compose_path} (servers: {names}); give a server name or a URL"
        )
    config = compose.servers[target]
    if direct:
        if config.endpoint is None:
            raise TargetError(
                f"server {target!r} speaks stdio and has no HTTP endpoint to load directly; "
                "drop --direct to load it through the gateway"
            )
        url = config.endpoint
    else:
        url = f"{_gateway_base(compose)}/servers/{target}/mcp"
    return Target(url, target, config.slo, processes)


def _server_for_url(compose: ComposeFile, url: str) -> str | None:
    base = _gateway_base(compose)
    for name, config in compose.servers.items():
        if url.rstrip("/") in (config.endpoint, f"{base}/servers/{name}/mcp"):
            return name
    return None
