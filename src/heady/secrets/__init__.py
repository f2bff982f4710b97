"""Secret references: resolve ``${secret:name}`` and keep resolved values out of logs."""

from heady.secrets.redaction import RedactingFilter, install_redaction, redact, register_secret
from heady.secrets.resolver import (
    ChainResolver,
    EnvSecrets,
    FileSecrets,
    SecretNotFound,
    SecretResolver,
    default_resolver,
)

__all__ = [
    "ChainResolver",
    "EnvSecrets",
    "FileSecrets",
    "RedactingFilter",
    "SecretNotFound",
    "SecretResolver",
    "default_resolver",
    "install_redaction",
    "redact",
    "register_secret",
]
