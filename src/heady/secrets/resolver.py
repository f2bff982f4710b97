"""Where secret values come from: the environment and secret files, tried in order.

A resolver only answers "what is the value of secret ``name``"; an encrypted store
can be added later as one more resolver in the chain.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Protocol, runtime_checkable

from heady.secrets.redaction import register_secret

NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$")
ENV_PREFIX = "HEADY_SECRET_"
RUN_SECRETS = Path("/run/secrets")


class SecretNotFound(LookupError):
    """No resolver knows the secret; ``places`` says where the user can put it."""

    def __init__(self, name: str, places: Sequence[str]) -> None:
        self.name = name
        self.places = list(places)
        super().__init__(f"secret {name!r} is not set")

    @property
    def hint(self) -> str:
        return " or ".join(self.places) if self.places else "configure a secret resolver"


@runtime_checkable
class SecretResolver(Protocol):
    """Returns the value of a named secret, or raises SecretNotFound."""

    def resolve(self, name: str) -> str: ...


def env_name(name: str) -> str:
    """``notes-token`` -> ``HEADY_SECRET_NOTES_TOKEN``."""
    return ENV_PREFIX + re.sub(r"[^A-Za-z0-9]", "_", name).upper()


class EnvSecrets:
    """Secrets from environment variables ``HEADY_SECRET_<NAME>``."""

    def __init__(self, environ: Mapping[str, str] | None = None) -> None:
        self._environ = os.environ if environ is None else environ

    def resolve(self, name: str) -> str:
        value = self._environ.get(env_name(name))
        if value is None:
            raise SecretNotFound(name, [self.describe(name)])
        return value

    def describe(self, name: str) -> str:
        return f"export {env_name(name)}=..."


class FileSecrets:
    """Secrets from files named after the secret, e.g. ``.heady/secrets/<name>``.

    One trailing newline is dropped, so ``echo value > file`` works.
    """

    def __init__(self, directory: str | Path) -> None:
        self.directory = Path(directory)

    def resolve(self, name: str) -> str:
        if not NAME.match(name):
            raise SecretNotFound(name, [])
        path = self.directory / name
        try:
            text = path.read_text()
        except (FileNotFoundError, NotADirectoryError, IsADirectoryError):
            raise SecretNotFound(name, [self.describe(name)]) from None
        except PermissionError:
            raise SecretNotFound(name, [f"make {path} readable by this user"]) from None
        return text[:-1] if text.endswith("\n") else text

    def describe(self, name: str) -> str:
        return f"write it to {self.directory / name}"


class ChainResolver:
    """Tries each resolver in turn; every value it returns is registered for redaction."""

    def __init__(self, resolvers: Sequence[SecretResolver]) -> None:
        self.resolvers = list(resolvers)

    def resolve(self, name: str) -> str:
        places: list[str] = []
        for resolver in self.resolvers:
            try:
                value = resolver.resolve(name)
            except SecretNotFound as missing:
                places.extend(missing.places)
                continue
            register_secret(value)
            return value
        raise SecretNotFound(name, places)


def default_resolver(base_dir: str | Path, environ: Mapping[str, str] | None = None) -> ChainResolver:
    """Environment first, then ``<base_dir>/.heady/secrets/``, then ``/run/secrets/``."""
    return ChainResolver(
        [
            EnvSecrets(environ),
            FileSecrets(Path(base_dir) / ".heady" / "secrets"),
            FileSecrets(RUN_SECRETS),
        ]
    )
