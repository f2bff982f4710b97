"""The mcp-compose.yaml model: every field Heady reads, with its default and meaning.

The model is the single source of truth: validation, the JSON Schema in
``schema/mcp-compose.schema.json`` and the docs are all derived from it.
"""

from __future__ import annotations

import shlex
from datetime import date
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, field_validator, model_validator

from heady.compose.units import Duration, Rate, Size

RiskLevel = Literal["low", "medium", "high", "critical"]
ProtocolVersion = Literal["auto", "2026-07-28", "2025-11-25", "2025-06-18", "2025-03-26"]
Name = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_-]{0,62}$")]


class Model(BaseModel):
    """Base for every section: unknown fields are errors, so typos never pass silently."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)


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

    max_request_bytes: Size | None = None
    max_response_bytes: Size | None = None
    timeout: Duration | None = None
    max_in_flight: int | None = Field(default=None, ge=1)
    max_queue: int | None = Field(default=None, ge=0)


class RateLimit(Model):
    """Token bucket: ``rate`` tokens a second refill a bucket of ``burst`` tokens."""

    rate: Rate = Field(description="Sustained rate, e.g. 50/s or 600/m.")
    burst: int | None = Field(default=None, ge=1, description="Bucket size; defaults to one second of rate.")
    per: Literal["client", "tool", "global"] = Field(default="client", description="What one bucket counts.")


class AuthConfig(Model):
    mode: Literal["none", "builtin", "oidc"] = "none"
    issuer: str | None = None
    audience: str | None = None
    jwks_uri: str | None = None
    scopes_supported: list[str] = Field(default_factory=list)


class TelemetryConfig(Model):
    otlp_endpoint: str | None = None
    service_name: str | None = None
    labels: dict[str, str] = Field(
        default_factory=dict, description="Added to every metric, span and log line."
    )


class GatewayConfig(Model):
    listen: str = Field(
        default="127.0.0.1:8080", description="host:port; loopback unless you mean otherwise."
    )
    public_url: str | None = Field(default=None, description="Canonical URL clients use (OAuth audience).")
    tool_separator: str = Field(default="__", min_length=1, max_length=4)
    limits: Limits = Field(default_factory=Limits)
    rate_limit: RateLimit | None = None
    state: str = Field(default="memory://", description="memory://, sqlite:///path, or redis://host:port/db.")
    auth: AuthConfig = Field(default_factory=AuthConfig)
    telemetry: TelemetryConfig = Field(default_factory=TelemetryConfig)
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
    interval: Duration = Field(default=10.0, description="Time between probes once ready.")
    timeout: Duration = Field(default=2.0, description="Time one probe may take.")
    retries: int = Field(
        default=3, ge=1, description="Failed probes in a row before the server is unhealthy."
    )
    start_period: Duration = Field(default=30.0, description="Time a starting server has to become ready.")


class Backoff(Model):
    """Restart with exponential backoff; too many restarts in ``window`` is a crash loop."""

    initial: Duration = 0.5
    max: Duration = 30.0
    max_restarts: int = Field(default=5, ge=0, description="Restarts allowed within window before giving up.")
    window: Duration = 60.0


class Scopes(Model):
    server: list[str] = Field(default_factory=list, description="Scopes every call to this server needs.")
    tools: dict[str, list[str]] = Field(default_factory=dict, description="Extra scopes per tool.")


class Risk(Model):
    default: RiskLevel = "low"
    tools: dict[str, RiskLevel] = Field(default_factory=dict)


class Deprecation(Model):
    date: date
    replacement: str | None = None
    note: str | None = None


class Lifecycle(Model):
    owner: str | None = None
    purpose: str | None = None
    dependencies: list[str] = Field(
        default_factory=list, description="External systems it needs (databases, APIs)."
    )
    deprecation: Deprecation | None = None


class Slo(Model):
    latency_p99: Duration | None = None
    latency_p95: Duration | None = None
    error_rate: float | None = Field(default=None, description="Highest error fraction; '1%' or 0.01.")
    availability: float | None = Field(default=None, description="Lowest success fraction; '99.9%' or 0.999.")

    @field_validator("error_rate", "availability", mode="before")
    @classmethod
    def _percent(cls, value: Any) -> Any:
        if isinstance(value, str) and value.strip().endswith("%"):
            try:
                return float(value.strip()[:-1]) / 100
            except ValueError:
                raise ValueError(f"{value!r} is not a percentage; write it as 1% or 0.01") from None
        return value

    @field_validator("error_rate", "availability")
    @classmethod
    def _fraction(cls, value: float | None) -> float | None:
        if value is not None and not 0 <= value <= 1:
            raise ValueError("must be between 0% and 100%")
        return value


class Autoscale(Model):
    min: int = Field(default=1, ge=1)
    max: int = Field(default=1, ge=1)
    target_cpu: int = Field(default=70, ge=1, le=100, description="Average CPU percent to scale at.")

    @model_validator(mode="after")
    def _ordered(self) -> Autoscale:
        if self.max < self.min:
            raise ValueError(f"max ({self.max}) is below min ({self.min})")
        return self


class ToolFilter(Model):
    """Which tools the gateway exposes; names or glob patterns (``fnmatch``)."""

    include: list[str] | None = None
    exclude: list[str] = Field(default_factory=list)


class CachePolicy(Model):
    ttl: Duration = Field(description="How long a result is reused for identical arguments.")


class ToolOverride(LimitsOverride):
    rate_limit: RateLimit | None = None


class ServerConfig(Model):
    description: str = ""
    transport: Literal["http", "stdio"] | None = Field(
        default=None, description="http or stdio; defaults to http with url or port, stdio otherwise."
    )
    url: str | None = Field(default=None, description="A remote server Heady does not launch.")
    command: list[str] | None = Field(
        default=None, description="Launch command; a string is split like a shell."
    )
    cwd: str | None = None
    env: dict[str, str] = Field(default_factory=dict)
    port: int | None = Field(default=None, ge=1, le=65535, description="Port of a launched http server.")
    path: str = Field(default="/mcp", description="MCP endpoint path of an http server.")
    headers: dict[str, str] = Field(
        default_factory=dict, description="Sent upstream on every request (credentials from ${secret:...})."
    )
    protocol: ProtocolVersion = Field(default="auto", description="Revision the server speaks; auto probes.")
    depends_on: list[str] = Field(default_factory=list, description="Servers that must be ready first.")
    healthcheck: HealthCheck = Field(default_factory=HealthCheck)
    restart: Literal["no", "on-failure", "always"] = "on-failure"
    backoff: Backoff = Field(default_factory=Backoff)
    replicas: int = Field(default=1, ge=1, description="Processes of a stdio server.")
    timeout: Duration | None = None
    limits: LimitsOverride = Field(default_factory=LimitsOverride)
    rate_limit: RateLimit | None = None
    tool_limits: dict[str, ToolOverride] = Field(default_factory=dict, description="Per-tool overrides.")
    scopes: Scopes = Field(default_factory=Scopes)
    risk: Risk = Field(default_factory=Risk)
    lifecycle: Lifecycle = Field(default_factory=Lifecycle)
    slo: Slo = Field(default_factory=Slo)
    autoscale: Autoscale | None = None
    tools: ToolFilter = Field(default_factory=ToolFilter)
    cache: dict[str, CachePolicy] = Field(
        default_factory=dict, description="Result cache per read-only tool."
    )

    @field_validator("command", mode="before")
    @classmethod
    def _split_command(cls, value: Any) -> Any:
        return shlex.split(value) if isinstance(value, str) else value

    @model_validator(mode="after")
    def _transport(self) -> ServerConfig:
        if self.transport is None:
            self.transport = "http" if (self.url or self.port) else "stdio"
        if self.url and self.command:
            raise ValueError(
                "set either url (a remote server) or command (a server Heady launches), not both"
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
    version: Literal[1] = 1
    project: Name = "heady"
    gateway: GatewayConfig = Field(default_factory=GatewayConfig)
    servers: dict[Name, ServerConfig] = Field(default_factory=dict)
    environments: dict[str, dict[str, Any]] = Field(
        default_factory=dict, description="Overlays deep-merged over the file with --env NAME."
    )

    _path: Path | None = PrivateAttr(default=None)

    @property
    def path(self) -> Path | None:
        """The file this was loaded from (relative paths in it resolve against its folder)."""
        return self._path

    @property
    def base_dir(self) -> Path:
        return self._path.parent if self._path else Path.cwd()
