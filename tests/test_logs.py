"""``minwon serve`` and ``minwon worker`` show minwon's own log lines on standard error with
their time and level, from INFO up, each once; nothing is configured for library use."""

import logging
import re

import pytest

from minwon import logs


@pytest.fixture
def minwon_logger() -> logging.Logger:
    """The ``minwon`` logger (put back as it was after each test by tests/conftest.py)."""
    return logging.getLogger("minwon")


def test_info_and_up_reach_stderr_with_time_and_level(
    minwon_logger: logging.Logger, capsys: pytest.CaptureFixture[str]
) -> None:
    logs.to_stderr()
    logging.getLogger("minwon.startup").info("sealed again: %d", 3)
    logging.getLogger("minwon").debug("not shown")
    err = capsys.readouterr().err
    assert re.fullmatch(
        r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d [+-]\d{4} INFO minwon\.startup: sealed again: 3\n", err
    )


def test_an_error_shows_its_traceback(
    minwon_logger: logging.Logger, capsys: pytest.CaptureFixture[str]
) -> None:
    logs.to_stderr()
    try:
        raise ValueError("bad row 7")
    except ValueError:
        minwon_logger.exception("import failed")
    err = capsys.readouterr().err
    assert "ERROR minwon: import failed" in err
    assert "Traceback (most recent call last)" in err and "ValueError: bad row 7" in err


def test_configuring_twice_prints_each_line_once(
    minwon_logger: logging.Logger, capsys: pytest.CaptureFixture[str]
) -> None:
    logs.to_stderr()
    logs.to_stderr()
    minwon_logger.warning("once")
    assert capsys.readouterr().err.count("once") == 1


def test_a_library_user_gets_no_handler(minwon_logger: logging.Logger) -> None:
    import minwon.app  # noqa: F401

    assert not any(isinstance(h, logs._Stderr) for h in minwon_logger.handlers)
