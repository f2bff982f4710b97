"""How the merged endpoint names things: prefixed tools and prompts, mapped resource URIs, cursors.

- Tools and prompts: ``<server><separator><name>``, always prefixed, so a name never
  changes when another server is added or removed.
- Resource URIs and URI templates: ``heady://<server>/<original>``. The original is
  appended as it is (not encoded) so a template keeps its variables and expands to a
  mapped URI; splitting at the first ``/`` after the server gives the original back.
- Cursors of merged lists: base64url JSON ``{server: upstream cursor}`` of the servers
  that have more pages.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Collection
from typing import Any, Final

import orjson

RESOURCE_SCHEME: Final = "heady://"


class Namespace:
    """Maps names between the merged view and each server; server names come from the compose file."""

    def __init__(self, servers: Collection[str], separator: str) -> None:
        self.separator = separator
        self.servers = frozenset(servers)
        # Longest names first, so a server whose name contains the separator still resolves
        # (the longest matching server wins); otherwise one partition does it.
        self._by_length = sorted(self.servers, key=len, reverse=True)
        self._plain = not any(separator in server for server in self.servers)

    def name(self, server: str, name: str) -> str:
        return f"{server}{self.separator}{name}"

    def split(self, name: str) -> tuple[str, str] | None:
        """``(server, name)`` of a prefixed tool or prompt name; None when no server matches."""
        if self._plain:
            server, sep, rest = name.partition(self.separator)
            return (server, rest) if sep and rest and server in self.servers else None
        for server in self._by_length:
            prefix = server + self.separator
            if name.startswith(prefix) and len(name) > len(prefix):
                return server, name[len(prefix) :]
        return None

    @staticmethod
    def uri(server: str, uri: str) -> str:
        return f"{RESOURCE_SCHEME}{server}/{uri}"

    def split_uri(self, uri: str) -> tuple[str, str] | None:
        """``(server, original uri)`` of a mapped URI; None when it is not one of ours."""
        if not uri.startswith(RESOURCE_SCHEME):
            return None
        server, slash, original = uri[len(RESOURCE_SCHEME) :].partition("/")
        if not slash or server not in self.servers or not original:
            return None
        return server, original


def encode_cursor(pending: dict[str, str]) -> str:
    return base64.urlsafe_b64encode(orjson.dumps(pending)).decode("ascii")


def decode_cursor(cursor: str, servers: Collection[str]) -> dict[str, str] | None:
    """The ``{server: upstream cursor}`` a merged cursor carries; None when it is not ours."""
    try:
        value: Any = orjson.loads(base64.urlsafe_b64decode(cursor.encode("ascii")))
    except (binascii.Error, ValueError, UnicodeEncodeError):
        return None
    if not isinstance(value, dict) or not value:
        return None
    if not all(isinstance(v, str) and k in servers for k, v in value.items()):
        return None
    return value
