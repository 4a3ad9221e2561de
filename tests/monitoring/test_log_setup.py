from __future__ import annotations

import io
import logging
from logging.handlers import RotatingFileHandler
from pathlib import Path

import pytest

from product_dashboard.monitoring.log_setup import (
    LOG_FILE_NAME,
    ConsoleFormatter,
    configure_logging,
    use_color,
)

pytestmark = pytest.mark.quick


def _record(message: str, level: int = logging.WARNING) -> logging.LogRecord:
    record = logging.LogRecord("product_dashboard.test", level, __file__, 1, message, None, None)
    record.request_id = "req-1"
    return record


def _ours(kind: type[logging.Handler]) -> list[logging.Handler]:
    return [
        h
        for h in logging.getLogger().handlers
        if getattr(h, "_product_dashboard", False) and isinstance(h, kind)
    ]


def test_file_handler_writes_lines_with_request_id_and_rotates_by_size(
    tmp_path: Path, restore_root_logging: None
) -> None:
    path = configure_logging(tmp_path / "logs", "INFO", console=False, max_bytes=2_000, backups=2)
    assert path == tmp_path / "logs" / LOG_FILE_NAME
    logger = logging.getLogger("product_dashboard.test")
    logger.info("first line")
    for i in range(200):
        logger.info("filler line %d %s", i, "x" * 40)
    logger.debug("below the level")
    for handler in _ours(RotatingFileHandler):
        handler.flush()
    assert (tmp_path / "logs" / f"{LOG_FILE_NAME}.1").exists()
    assert (tmp_path / "logs" / f"{LOG_FILE_NAME}.2").exists()
    assert not (tmp_path / "logs" / f"{LOG_FILE_NAME}.3").exists()
    current = path.read_text()
    assert "filler line 199" in current
    assert "[-] product_dashboard.test: filler line 199" in current  # no request: "-"
    everything = "".join(p.read_text() for p in (tmp_path / "logs").iterdir())
    assert "below the level" not in everything


def test_reconfiguring_replaces_our_handlers_only(
    tmp_path: Path, restore_root_logging: None
) -> None:
    foreign = logging.NullHandler()
    logging.getLogger().addHandler(foreign)
    try:
        configure_logging(tmp_path / "a")
        configure_logging(tmp_path / "b")
        files = _ours(RotatingFileHandler)
        assert len(files) == 1
        assert isinstance(files[0], RotatingFileHandler)
        assert Path(files[0].baseFilename).parent == tmp_path / "b"
        assert files[0].maxBytes > 0 and files[0].backupCount > 0
        assert foreign in logging.getLogger().handlers
    finally:
        logging.getLogger().removeHandler(foreign)


def test_console_formatter_colors_only_when_asked() -> None:
    plain = ConsoleFormatter(color=False).format(_record("disk almost full"))
    colored = ConsoleFormatter(color=True).format(_record("disk almost full"))
    assert "\x1b[" not in plain
    assert "WARNING" in plain and "[req-1]" in plain and "disk almost full" in plain
    assert "\x1b[33m" in colored and "disk almost full" in colored


def test_color_needs_a_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.delenv("FORCE_COLOR", raising=False)
    assert use_color(io.StringIO()) is False
    monkeypatch.setenv("FORCE_COLOR", "1")
    assert use_color(io.StringIO()) is True
    monkeypatch.setenv("NO_COLOR", "1")
    assert use_color(io.StringIO()) is False


JWT = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIiwianRpIjoiYWJjIn0.c2lnbmF0dXJlLXZhbHVl"


def test_tokens_and_secrets_never_reach_the_log_file(
    tmp_path: Path, restore_root_logging: None
) -> None:
    path = configure_logging(tmp_path / "logs", console=False)
    # What uvicorn writes for a WebSocket whose client put its token in the URL.
    logging.getLogger("product_dashboard.test.access").warning(
        '%s - "WebSocket %s" [accepted]', "127.0.0.1:5555", f"/ws?token={JWT}&v=1"
    )
    logging.getLogger("product_dashboard.test").warning(
        "calling with Authorization: Bearer %s, password=hunter2hunter2, key %s",
        JWT,
        "shpat_0123456789abcdef0123456789abcdef",
    )
    for handler in logging.getLogger().handlers:
        handler.flush()
    text = path.read_text()
    assert "/ws?token=[redacted]&v=1" in text
    for secret in (JWT, "hunter2hunter2", "shpat_0123456789abcdef"):
        assert secret not in text


def test_log_files_and_folders_are_private(tmp_path: Path, restore_root_logging: None) -> None:
    path = configure_logging(tmp_path / "new" / "logs", console=False)
    logging.getLogger("product_dashboard.test").warning("hello")
    assert path.stat().st_mode & 0o777 == 0o600
    assert path.parent.stat().st_mode & 0o777 == 0o700
    assert (tmp_path / "new").stat().st_mode & 0o777 == 0o700

    shared = tmp_path / "shared"
    shared.mkdir(mode=0o755)
    shared.chmod(0o755)
    old = shared / LOG_FILE_NAME
    old.write_text("an older version's line\n")
    old.chmod(0o644)
    configure_logging(shared, console=False)
    assert old.stat().st_mode & 0o777 == 0o600  # tightened when reopened
    assert shared.stat().st_mode & 0o777 == 0o755  # an existing folder is the operator's choice
