"""The mcp-compose.yaml model: every field Heady reads, with its default and meaning.

The model is the single source of truth: validation, the JSON Schema in
``schema/mcp-compose.schema.json`` and the docs are all derived from it.
"""

from __future__ import annotations

import datetime
import shlex
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    WithJsonSchema,
    field_validator,
    model_validator,
)

from heady.compose.errors import Problem
from heady.compose.units import Duration, Fraction, Rate, Size
from heady.secrets.redaction import redact

RiskLevel = Literal["low", "medium", "high", "critical"]
ProtocolVersion = Literal["auto", "2026-07-28", "2025-11-25", "2025-06-18", "2025-03-26"]
NAME_PATTERN = r"^[a-z][a-z0-9_-]{0,62}$"
Name = Annotated[str, Field(pattern=NAME_PATTERN)]


def _tool_name(value: str) -> str:
    if not value.strip() or value != value.strip():
        raise ValueError(
            f"{value!r} is not a tool name; write the tool's name as the server lists it, without spaces"
        )
    return value


ToolName = Annotated[str, AfterValidator(_tool_name)]
Command = Annotated[
    list[str],
    WithJsonSchema({"anyOf": [{"type": "array", "items": {"type": "string"}}, {"type": "string"}]}),
]
"""Program and arguments; a string is split like a shell."""
"""A tool's name as its server lists it (a key in scopes.tools, risk.tools, cache, tool_limits)."""


class Model(BaseModel):
    """Base for every section: unknown fields are errors, so typos never pass silently."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    def __repr__(self) -> str:
        return redact(super().__repr__())

    def __str__(self) -> str:
        return redact(super().__str__())


class Limits(Model):
    """Request controls; the gateway's values are the defaults for every server."""

    max_request_bytes: Size = Field(default=Size(1024 * 1024), description="Largest accepted request body.")
    max_response_bytes: Size = Field(default=Size(8 * 1024 * 1024), description="Largest upstream response.")
    timeout: Duration = Field(default=30.0, description="Time a call may take before it is cancelled.")
    max_in_flight: int = Field(default=512, ge=1, description="Concurrent calls per upstream.")
    max_queue: int = Field(
        default=1024, ge=0, description="Calls waiting for an in-flight slot, per upstream."
    )


class LimitsOverride(Model):
    """Per-server or per-tool overrides of the gateway limits; unset fields inherit."""

    max_request_bytes: Size | None = Field(default=None, description="Largest accepted request body.")
    max_response_bytes: Size | None = Field(default=None, description="Largest upstream response.")
    timeout: Duration | None = Field(default=None, description="Time a call may take before it is cancelled.")
    max_in_flight: int | None = Field(default=None, ge=1, description="Concurrent calls per upstream.")
    max_queue: int | None = Field(default=None, ge=0, description="Calls waiting for an in-flight slot.")


class RateLimit(Model):
    """Token bucket: ``rate`` tokens a second refill a bucket of ``burst`` tokens."""

    rate: Rate = Field(description="Sustained rate, e.g. 50/s or 600/m.")
    burst: int | None = Field(default=None, ge=1, description="Bucket size; defaults to one second of rate.")
    per: Literal["client", "tool", "global"] = Field(default="client", description="What one bucket counts.")


class AuthConfig(Model):
    """Who may call the gateway: nobody checked (none), the embedded server, or an OIDC provider."""

    mode: Literal["none", "builtin", "oidc"] = Field(
        default="none", description="none, builtin (embedded authorization server) or oidc."
    )
    issuer: str | None = Field(default=None, description="Authorization server issuer URL (oidc).")
    audience: str | None = Field(default=None, description="Expected token audience.")
    jwks_uri: str | None = Field(default=None, description="Where the issuer's signing keys are published.")
    scopes_supported: list[str] = Field(default_factory=list, description="Scopes advertised to clients.")


class TelemetryConfig(Model):
    """Where traces and metrics go, and the labels they carry."""

    otlp_endpoint: str | None = Field(default=None, description="OTLP collector URL; unset means no export.")
    service_name: str | None = Field(default=None, description="OpenTelemetry service.name.")
    labels: dict[str, str] = Field(
        default_factory=dict, description="Added to every metric, span and log line."
    )


class GatewayConfig(Model):
    """The one endpoint in front of every server."""

    listen: str = Field(
        default="127.0.0.1:8080", description="host:port; loopback unless you mean otherwise."
    )
    public_url: str | None = Field(default=None, description="Canonical URL clients use (OAuth audience).")
    tool_separator: str = Field(
        default="__",
        min_length=1,
        max_length=4,
        description="Between server and tool name on the merged endpoint: notes__add_note.",
    )
    limits: Limits = Field(default_factory=Limits, description="Defaults for every server and tool.")
    rate_limit: RateLimit | None = Field(default=None, description="Rate limit for the whole gateway.")
    state: str = Field(
        default="memory://",
        description="memory://, sqlite:///path, redis://host:port/db or postgresql://...",
    )
    auth: AuthConfig = Field(default_factory=AuthConfig, description="Who may call the gateway.")
    telemetry: TelemetryConfig = Field(default_factory=TelemetryConfig, description="Traces and metrics.")
    session_secret: str | None = Field(
        default=None,
        description="Key that signs 2025-era session ids; use ${secret:...}. Random per start if unset.",
    )
    allowed_origins: list[str] = Field(
        default_factory=list, description="Extra Origin values accepted besides loopback and public_url."
    )
    allowed_hosts: list[str] = Field(
        default_factory=list, description="Extra Host values accepted besides loopback and public_url."
    )

    @field_validator("listen")
    @classmethod
    def _check_listen(cls, value: str) -> str:
        host, _, port = value.rpartition(":")
        if not host or not port.isdigit() or not 0 < int(port) < 65536:
            raise ValueError(f"{value!r} is not host:port; write it as 127.0.0.1:8080")
        return value

    @property
    def host(self) -> str:
        return self.listen.rpartition(":")[0].strip("[]")

    @property
    def port(self) -> int:
        return int(self.listen.rpartition(":")[2])

    @property
    def url(self) -> str:
        """Where clients reach the merged endpoint."""
        if self.public_url:
            return self.public_url.rstrip("/") + "/mcp"
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}/mcp"


class HealthCheck(Model):
    """How the supervisor decides a server is ready and stays healthy."""

    interval: Duration = Field(default=10.0, description="Time between probes once ready.")
    timeout: Duration = Field(default=2.0, description="Time one probe may take.")
    retries: int = Field(
        default=3, ge=1, description="Failed probes in a row before the server is unhealthy."
    )
    start_period: Duration = Field(default=30.0, description="Time a starting server has to become ready.")


class Backoff(Model):
    """Restart with exponential backoff; too many restarts in ``window`` is a crash loop."""

    initial: Duration = Field(default=0.5, description="Wait before the first restart; doubles each time.")
    max: Duration = Field(default=30.0, description="Longest wait between restarts.")
    max_restarts: int = Field(default=5, ge=0, description="Restarts allowed within window before giving up.")
    window: Duration = Field(default=60.0, description="Period over which restarts are counted.")


class Scopes(Model):
    """OAuth scopes a caller's token must carry."""

    server: list[str] = Field(default_factory=list, description="Scopes every call to this server needs.")
    tools: dict[ToolName, list[str]] = Field(default_factory=dict, description="Extra scopes per tool.")


class Risk(Model):
    """How much harm a tool can do."""

    default: RiskLevel = Field(default="low", description="Risk of tools not listed in tools.")
    tools: dict[ToolName, RiskLevel] = Field(default_factory=dict, description="Risk per tool.")


class Deprecation(Model):
    """The server is on its way out: by when, and what to use instead."""

    date: datetime.date = Field(description="Date after which the server may be removed (YYYY-MM-DD).")
    replacement: str | None = Field(default=None, description="The server or tool to use instead.")
    note: str | None = Field(default=None, description="Anything else callers should know.")


class Lifecycle(Model):
    """Ownership and purpose of the server."""

    owner: str | None = Field(default=None, description="Team or person responsible.")
    purpose: str | None = Field(default=None, description="Why the server exists.")
    dependencies: list[str] = Field(
        default_factory=list, description="External systems it needs (databases, APIs)."
    )
    deprecation: Deprecation | None = Field(default=None, description="Set when the server is deprecated.")


class Slo(Model):
    """Service level objectives for this server's calls."""

    latency_p99: Duration | None = Field(default=None, description="Highest 99th percentile call latency.")
    latency_p95: Duration | None = Field(default=None, description="Highest 95th percentile call latency.")
    error_rate: Fraction | None = Field(default=None, description="Highest error fraction; '1%' or 0.01.")
    availability: Fraction | None = Field(
        default=None, description="Lowest success fraction; '99.9%' or 0.999."
    )


class Autoscale(Model):
    """Replica range for deployments that scale (e.g. a Kubernetes HorizontalPodAutoscaler)."""

    min: int = Field(default=1, ge=1, description="Fewest replicas.")
    max: int = Field(default=1, ge=1, description="Most replicas.")
    target_cpu: int = Field(default=70, ge=1, le=100, description="Average CPU percent to scale at.")

    @model_validator(mode="after")
    def _ordered(self) -> Autoscale:
        if self.max < self.min:
            raise ValueError(f"max ({self.max}) is below min ({self.min}); raise max or lower min")
        return self


class ToolFilter(Model):
    """Which tools the gateway exposes; names or glob patterns (``fnmatch``)."""

    include: list[ToolName] | None = Field(default=None, description="Only these tools; unset means all.")
    exclude: list[ToolName] = Field(default_factory=list, description="Never these tools.")


class CachePolicy(Model):
    """Reuse a tool's result for identical arguments (only for read-only tools)."""

    ttl: Duration = Field(description="How long a result is reused for identical arguments.")

    @field_validator("ttl")
    @classmethod
    def _positive(cls, value: float) -> float:
        if value <= 0:
            raise ValueError("a cache ttl must be greater than zero; write e.g. 30s, or remove the entry")
        return value


class ToolOverride(LimitsOverride):
    """Limits and rate limit for one tool."""

    rate_limit: RateLimit | None = Field(default=None, description="Rate limit for this tool.")


class ServerConfig(Model):
    """One MCP server: launched by Heady (command) or remote (url)."""

    description: str = Field(default="", description="What the server is for, in one line.")
    transport: Literal["http", "stdio"] | None = Field(
        default=None, description="http or stdio; defaults to http with url or port, stdio otherwise."
    )
    url: str | None = Field(default=None, description="A remote server Heady does not launch.")
    command: Command | None = Field(
        default=None, description="Launch command; a string is split like a shell."
    )
    cwd: str | None = Field(
        default=None, description="Working directory, relative to the compose file's folder."
    )
    env: dict[str, str] = Field(
        default_factory=dict, description="Added to the parent environment of the launched process."
    )
    port: int | None = Field(default=None, ge=1, le=65535, description="Port of a launched http server.")
    path: str = Field(default="/mcp", description="MCP endpoint path of an http server.")
    headers: dict[str, str] = Field(
        default_factory=dict, description="Sent upstream on every request (credentials from ${secret:...})."
    )
    protocol: ProtocolVersion = Field(default="auto", description="Revision the server speaks; auto probes.")
    depends_on: list[str] = Field(default_factory=list, description="Servers that must be ready first.")
    healthcheck: HealthCheck = Field(default_factory=HealthCheck, description="Readiness and health probes.")
    restart: Literal["no", "on-failure", "always"] = Field(
        default="on-failure", description="When the supervisor restarts the process."
    )
    backoff: Backoff = Field(default_factory=Backoff, description="Restart backoff and crash-loop limit.")
    replicas: int = Field(default=1, ge=1, description="Processes of a stdio server.")
    timeout: Duration | None = Field(default=None, description="Call timeout for this server's tools.")
    limits: LimitsOverride = Field(
        default_factory=LimitsOverride, description="Overrides of the gateway limits for this server."
    )
    rate_limit: RateLimit | None = Field(default=None, description="Rate limit for this server.")
    tool_limits: dict[ToolName, ToolOverride] = Field(default_factory=dict, description="Per-tool overrides.")
    scopes: Scopes = Field(default_factory=Scopes, description="OAuth scopes callers need.")
    risk: Risk = Field(default_factory=Risk, description="Risk level, default and per tool.")
    lifecycle: Lifecycle = Field(default_factory=Lifecycle, description="Owner, purpose, deprecation.")
    slo: Slo = Field(default_factory=Slo, description="Service level objectives.")
    autoscale: Autoscale | None = Field(default=None, description="Replica range for deployments that scale.")
    tools: ToolFilter = Field(default_factory=ToolFilter, description="Which tools the gateway exposes.")
    cache: dict[ToolName, CachePolicy] = Field(
        default_factory=dict, description="Result cache per read-only tool."
    )

    @field_validator("command", mode="before")
    @classmethod
    def _split_command(cls, value: Any) -> Any:
        return shlex.split(value) if isinstance(value, str) else value

    @field_validator("url")
    @classmethod
    def _http_url(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith(("http://", "https://")):
            raise ValueError(f"{value!r} is not an http(s) URL; write it as http://host:port/mcp")
        return value

    @model_validator(mode="after")
    def _transport(self) -> ServerConfig:
        if self.transport is None:
            self.transport = "http" if (self.url or self.port) else "stdio"
        if self.url and self.command:
            raise ValueError(
                "set either url (a remote server) or command (a server Heady launches), not both; "
                "remove one of them"
            )
        if not self.url and not self.command:
            raise ValueError("a server needs a command to launch or a url to reach; add one of them")
        if self.transport == "stdio" and self.url:
            raise ValueError("a stdio server is launched by Heady; remove url or set transport: http")
        if self.transport == "http" and self.command and self.port is None:
            raise ValueError("an http server launched by Heady needs the port it listens on; add port")
        return self

    @property
    def launched(self) -> bool:
        """True when Heady starts this server's process (stdio, or http with a command)."""
        return self.command is not None

    @property
    def endpoint(self) -> str | None:
        """The upstream MCP URL of an http server."""
        if self.url:
            return self.url
        if self.transport == "http" and self.port is not None:
            return f"http://127.0.0.1:{self.port}{self.path}"
        return None

    def effective_limits(self, gateway: Limits, tool: str | None = None) -> Limits:
        """The gateway limits with this server's and then this tool's overrides on top."""
        merged = gateway.model_dump()
        if self.timeout is not None:
            merged["timeout"] = self.timeout
        layers: list[LimitsOverride] = [self.limits]
        if tool is not None and tool in self.tool_limits:
            layers.append(self.tool_limits[tool])
        for layer in layers:
            merged.update(
                {
                    k: v
                    for k, v in layer.model_dump(include=set(LimitsOverride.model_fields)).items()
                    if v is not None
                }
            )
        return Limits.model_validate(merged)


class ComposeFile(Model):
    """mcp-compose.yaml: every MCP server of a project and the gateway in front of them.

    Top-level keys starting with "x-" are ignored: they hold YAML anchors to reuse.
    """

    model_config = ConfigDict(
        extra="forbid", populate_by_name=True, json_schema_extra={"patternProperties": {"^x-": {}}}
    )

    version: Literal[1] = Field(default=1, description="Format version of this file; always 1.")
    project: Name = Field(default="heady", description="Project name.")
    gateway: GatewayConfig = Field(default_factory=GatewayConfig, description="The one endpoint.")
    servers: dict[Name, ServerConfig] = Field(
        default_factory=dict, description="The MCP servers, by name (the prefix of their tool names)."
    )
    environments: dict[str, dict[str, Any]] = Field(
        default_factory=dict, description="Overlays deep-merged over the file with --env NAME."
    )

    @model_validator(mode="before")
    @classmethod
    def _extensions(cls, value: Any) -> Any:
        if isinstance(value, dict):
            return {k: v for k, v in value.items() if not (isinstance(k, str) and k.startswith("x-"))}
        return value

    @field_validator("environments", mode="before")
    @classmethod
    def _empty_overlays(cls, value: Any) -> Any:
        """``prod:`` with nothing under it is an overlay that changes nothing."""
        if isinstance(value, dict):
            return {k: {} if v is None else v for k, v in value.items()}
        return value

    _path: Path | None = PrivateAttr(default=None)
    _environment: str | None = PrivateAttr(default=None)
    _warnings: list[Problem] = PrivateAttr(default_factory=list)

    @property
    def path(self) -> Path | None:
        """The file this was loaded from (relative paths in it resolve against its folder)."""
        return self._path

    @property
    def base_dir(self) -> Path:
        return self._path.parent if self._path else Path.cwd()

    @property
    def environment(self) -> str | None:
        """The overlay applied when loading (``--env``), if any."""
        return self._environment

    @property
    def warnings(self) -> list[Problem]:
        """Things that are allowed but probably not meant (e.g. listening beyond loopback without auth)."""
        return list(self._warnings)
