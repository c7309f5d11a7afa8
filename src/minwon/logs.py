"""Where minwon's own log lines go when it runs as ``minwon serve`` or ``minwon worker``:
standard error, each with its time and level, from INFO up (the start-up report, jobs that
failed, unexpected errors with their traceback). uvicorn and gunicorn configure only their own
loggers, and Python's fallback prints warnings alone, without a time. Imported as a library or
under tests, nothing is configured."""

import logging
import sys
from typing import TextIO

FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
DATE_FORMAT = "%Y-%m-%d %H:%M:%S %z"  # the machine's zone, named, as gunicorn's lines do


class _Stderr(logging.StreamHandler):
    """A handler that writes to whatever ``sys.stderr`` is when a line is logged."""

    @property
    def stream(self) -> TextIO:
        return sys.stderr

    @stream.setter
    def stream(self, _value: TextIO) -> None:
        pass


def to_stderr(level: int = logging.INFO) -> None:
    """Send the ``minwon`` logger's lines of ``level`` and above to standard error, with their
    time; calling it again changes nothing."""
    logger = logging.getLogger("minwon")
    if not any(isinstance(h, _Stderr) for h in logger.handlers):
        handler = _Stderr()
        handler.setFormatter(logging.Formatter(FORMAT, DATE_FORMAT))
        logger.addHandler(handler)
    logger.setLevel(level)
