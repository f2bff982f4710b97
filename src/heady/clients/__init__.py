"""Client configuration files (Claude Desktop, Claude Code, Cursor, Windsurf, VS Code) for the gateway."""

from heady.clients.files import ClientFileError, write_config
from heady.clients.formats import (
    CLIENTS,
    AuthStyle,
    ClientConfig,
    ClientError,
    ClientFormat,
    Entry,
    client_configs,
)

__all__ = [
    "CLIENTS",
    "AuthStyle",
    "ClientConfig",
    "ClientError",
    "ClientFileError",
    "ClientFormat",
    "Entry",
    "client_configs",
    "write_config",
]
