"""Secret resolvers: environment, files, the chain, and what a missing secret says."""

from __future__ import annotations

from pathlib import Path

import pytest

from heady.secrets import ChainResolver, EnvSecrets, FileSecrets, SecretNotFound, default_resolver, redact
from heady.secrets.resolver import SecretResolver, env_name


def test_env_name_is_upper_snake() -> None:
    assert env_name("notes-token.v2") == "HEADY_SECRET_NOTES_TOKEN_V2"


def test_environment_resolver() -> None:
    resolver = EnvSecrets({"HEADY_SECRET_API_KEY": "k-123"})
    assert resolver.resolve("api_key") == "k-123"
    assert resolver.resolve("api-key") == "k-123"
    with pytest.raises(SecretNotFound) as caught:
        resolver.resolve("other")
    assert caught.value.hint == "export HEADY_SECRET_OTHER=..."


def test_file_resolver_drops_one_trailing_newline(tmp_path: Path) -> None:
    (tmp_path / "db").write_text("pa ss\n\n")
    (tmp_path / "plain").write_text("no-newline")
    resolver = FileSecrets(tmp_path)
    assert resolver.resolve("db") == "pa ss\n"
    assert resolver.resolve("plain") == "no-newline"


def test_file_resolver_refuses_names_that_leave_the_folder(tmp_path: Path) -> None:
    (tmp_path / "outside").write_text("x")
    resolver = FileSecrets(tmp_path / "secrets")
    with pytest.raises(SecretNotFound):
        resolver.resolve("../outside")
    with pytest.raises(SecretNotFound):
        resolver.resolve("/etc/passwd")


def test_chain_tries_in_order_and_lists_every_place(tmp_path: Path) -> None:
    (tmp_path / "shared").write_text("from-file\n")
    chain = ChainResolver([EnvSecrets({"HEADY_SECRET_SHARED": "from-env"}), FileSecrets(tmp_path)])
    assert isinstance(chain, SecretResolver)
    assert chain.resolve("shared") == "from-env"
    with pytest.raises(SecretNotFound) as caught:
        chain.resolve("absent")
    assert str(caught.value) == "secret 'absent' is not set"
    assert caught.value.hint == f"export HEADY_SECRET_ABSENT=... or write it to {tmp_path / 'absent'}"


def test_resolved_values_are_registered_for_redaction(tmp_path: Path) -> None:
    chain = ChainResolver([EnvSecrets({"HEADY_SECRET_REG": "registered-value-77"})])
    chain.resolve("reg")
    assert redact("token=registered-value-77;") == "token=***;"


def test_default_resolver_reads_the_compose_folder(tmp_path: Path) -> None:
    folder = tmp_path / ".heady" / "secrets"
    folder.mkdir(parents=True)
    (folder / "notes_token").write_text("t0k\n")
    resolver = default_resolver(tmp_path, environ={})
    assert resolver.resolve("notes_token") == "t0k"
    with pytest.raises(SecretNotFound) as caught:
        resolver.resolve("nope")
    assert caught.value.places == [
        "export HEADY_SECRET_NOPE=...",
        f"write it to {folder / 'nope'}",
        "write it to /run/secrets/nope",
    ]
