"""Upstreams for the front's tests: the real upstream pool, as ``heady gateway`` builds it."""

from __future__ import annotations

from collections.abc import Mapping

from heady.compose.model import ComposeFile
from heady.gateway.upstream.base import Upstream
from heady.gateway.upstream.pool import UpstreamPool


def upstreams_for(compose: ComposeFile) -> Mapping[str, Upstream]:
    return UpstreamPool(compose)
