"""Process-wide logging: readable console lines (colored on a terminal) and rotating log files.

Every record carries the current request id (`-` outside a request), so a file line can be matched
with the `X-Request-ID` a client saw.
"""

from __future__ import annotations

import io
import logging
import os
import re
import sys
from logging.handlers import RotatingFileHandler
from pathlib import Path
from typing import TextIO

from product_dashboard.kit.files import make_private_dir
from product_dashboard.kit.log_fields import FIELDS_ATTRIBUTE, format_fields
from product_dashboard.kit.request_id import current_request_id

LOG_FILE_NAME = "dashboard.log"
MAX_LOG_BYTES = 10 * 1024 * 1024
LOG_BACKUPS = 5

LINE_FORMAT = "%(asctime)s %(levelname)-7s [%(request_id)s] %(name)s: %(message)s"
DATE_FORMAT = "%Y-%m-%d %H:%M:%S"

# Libraries whose INFO lines would drown ours.
QUIET_LOGGERS = (
    "aiosqlite",
    "alembic.runtime.migration",  # readiness checks would log two lines each
    "asyncio",
    "httpx",
    "httpcore",
    "watchfiles",
    "multipart",
)

_LEVEL_COLORS = {
    logging.DEBUG: "\x1b[36m",  # cyan
    logging.INFO: "\x1b[32m",  # green
    logging.WARNING: "\x1b[33m",  # yellow
    logging.ERROR: "\x1b[31m",  # red
    logging.CRITICAL: "\x1b[1;31m",  # bold red
}
_DIM = "\x1b[2m"
_RESET = "\x1b[0m"


class RequestIdFilter(logging.Filter):
    """Stamp each record with the id of the request being served, if any."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            record.request_id = current_request_id() or "-"
        return True


_SECRET_PARAMETER = re.compile(
    r"(?i)\b((?:access_)?token|password|passwd|secret|api_key|apikey)=([^&\s\"']+)"
)
_SECRET_VALUE = re.compile(
    r"eyJ[\w-]{4,}\.[\w-]{4,}\.[\w-]{4,}"  # a JWT
    r"|\bshp(?:at|ss|ca|pa|ua)_[0-9a-fA-F]{16,}"  # Shopify access tokens and secrets
    r"|\bsk-[\w-]{16,}"  # OpenAI keys
)


def redact(text: str) -> str:
    return _SECRET_VALUE.sub("[redacted]", _SECRET_PARAMETER.sub(r"\1=[redacted]", text))


class RedactSecrets(logging.Filter):
    """Tokens, passwords and keys never reach a log line, whoever logs them.

    Uvicorn logs a WebSocket's URL with its query string, a client may put a token in a URL, an
    exception may quote a header: the message is redacted once, before any handler formats it.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        redacted = redact(message)
        if redacted != message:
            record.msg, record.args = redacted, None
        fields = getattr(record, FIELDS_ATTRIBUTE, None)
        if isinstance(fields, dict):
            setattr(record, FIELDS_ATTRIBUTE, {k: redact(str(v)) for k, v in fields.items()})
        return True


class PrivateFileHandler(RotatingFileHandler):
    """A rotating log file that only its owner can read (0600), as are its rotated copies."""

    def _open(self) -> io.TextIOWrapper:
        descriptor = os.open(self.baseFilename, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        os.fchmod(descriptor, 0o600)  # a file left by an older version may be 0644
        return open(descriptor, "a", encoding=self.encoding, errors=self.errors)


class LineFormatter(logging.Formatter):
    """The file format: `LINE_FORMAT`, then the record's structured fields (kit/log_fields.py)
    as `key=value`, before any traceback."""

    def __init__(self) -> None:
        super().__init__(LINE_FORMAT, DATE_FORMAT)

    def formatMessage(self, record: logging.LogRecord) -> str:
        line = super().formatMessage(record)
        fields = getattr(record, FIELDS_ATTRIBUTE, None)
        return line + format_fields(fields) if isinstance(fields, dict) else line


class ConsoleFormatter(LineFormatter):
    """The file format, with the time dimmed and the level colored when `color` is on."""

    def __init__(self, *, color: bool) -> None:
        super().__init__()
        self.color = color

    def format(self, record: logging.LogRecord) -> str:
        if not self.color:
            return super().format(record)
        # Colour a copy: the same record also reaches the file handler.
        colored = logging.makeLogRecord(record.__dict__)
        colored.levelname = f"{_LEVEL_COLORS.get(record.levelno, '')}{record.levelname:<7}{_RESET}"
        colored.name = f"{_DIM}{record.name}{_RESET}"
        return super().format(colored)

    def formatTime(self, record: logging.LogRecord, datefmt: str | None = None) -> str:
        timestamp = super().formatTime(record, datefmt)
        return f"{_DIM}{timestamp}{_RESET}" if self.color else timestamp


class StderrHandler(logging.StreamHandler[TextIO]):
    """Writes to whatever `sys.stderr` is at the time (test runners swap it)."""

    def __init__(self) -> None:
        super().__init__(sys.stderr)

    @property
    def stream(self) -> TextIO:
        return sys.stderr

    @stream.setter
    def stream(self, _: TextIO) -> None:
        pass


def use_color(stream: TextIO) -> bool:
    """Color only on a terminal, unless NO_COLOR or FORCE_COLOR say otherwise."""
    if os.environ.get("NO_COLOR"):
        return False
    if os.environ.get("FORCE_COLOR"):
        return True
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty())


def log_file_path(log_dir: Path) -> Path:
    return log_dir / LOG_FILE_NAME


def configure_logging(
    log_dir: Path,
    level: str = "INFO",
    *,
    console: bool = True,
    max_bytes: int = MAX_LOG_BYTES,
    backups: int = LOG_BACKUPS,
) -> Path:
    """Install our handlers on the root logger (replacing ones from an earlier call).

    Returns the path of the log file. Handlers that others installed (a test runner's) stay.
    """
    root = logging.getLogger()
    for handler in [h for h in root.handlers if getattr(h, "_product_dashboard", False)]:
        root.removeHandler(handler)
        handler.close()

    make_private_dir(log_dir)
    path = log_file_path(log_dir)
    request_ids = RequestIdFilter()
    secrets = RedactSecrets()

    file_handler = PrivateFileHandler(
        path, maxBytes=max_bytes, backupCount=backups, encoding="utf-8"
    )
    file_handler.setFormatter(LineFormatter())
    handlers: list[logging.Handler] = [file_handler]
    if console:
        console_handler = StderrHandler()
        console_handler.setFormatter(ConsoleFormatter(color=use_color(sys.stderr)))
        handlers.append(console_handler)
    for handler in handlers:
        handler.addFilter(secrets)
        handler.addFilter(request_ids)
        handler._product_dashboard = True  # type: ignore[attr-defined]
        root.addHandler(handler)

    root.setLevel(level.upper())
    for name in QUIET_LOGGERS:
        logging.getLogger(name).setLevel(logging.WARNING)
    return path
