"""Log redaction: a resolved secret never reaches a log line, message args or traceback."""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator

import pytest

from heady.secrets import RedactingFilter, install_redaction, redact, register_secret


@pytest.fixture
def logger() -> Iterator[tuple[logging.Logger, io.StringIO]]:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter("%(name)s %(message)s"))
    log = logging.getLogger("heady.test.redaction")
    log.addHandler(handler)
    log.setLevel(logging.INFO)
    log.propagate = False
    yield log, stream
    log.removeHandler(handler)


def test_redact_masks_longest_first() -> None:
    register_secret("abc-secret")
    register_secret("abc-secret-longer")
    register_secret("")
    assert redact("a=abc-secret-longer b=abc-secret") == "a=*** b=***"
    assert redact("nothing here") == "nothing here"


def test_filter_masks_message_args_and_traceback(logger: tuple[logging.Logger, io.StringIO]) -> None:
    log, stream = logger
    register_secret("s3cr3t-for-logs")
    install_redaction(log)
    install_redaction(log)  # idempotent: one filter per handler
    mine = next(h for h in log.handlers if getattr(h, "stream", None) is stream)
    assert sum(isinstance(f, RedactingFilter) for f in mine.filters) == 1
    log.info("token is %s", "s3cr3t-for-logs")
    log.info("inline s3cr3t-for-logs")
    try:
        raise RuntimeError("failed with s3cr3t-for-logs")
    except RuntimeError:
        log.exception("call failed")
    output = stream.getvalue()
    assert "s3cr3t-for-logs" not in output
    assert "token is ***" in output
    assert "inline ***" in output
    assert "RuntimeError: failed with ***" in output


def test_filter_on_a_handler_sees_records_from_child_loggers() -> None:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    parent = logging.getLogger("heady.test.parent")
    parent.addHandler(handler)
    parent.setLevel(logging.INFO)
    parent.propagate = False
    try:
        install_redaction(parent)
        register_secret("child-secret-42")
        logging.getLogger("heady.test.parent.child").warning("value child-secret-42")
    finally:
        parent.removeHandler(handler)
    assert stream.getvalue() == "value ***\n"
