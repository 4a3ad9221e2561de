"""Structured fields on a log record: `logger.warning("push failed", extra=log_fields(job=…,
product=…, reason=…))`. The log handlers (monitoring/log_setup.py) append them to the line as
`key=value`, so a failure can be found by job or product with grep, in the file and on the console.
"""

from __future__ import annotations

from typing import Any

FIELDS_ATTRIBUTE = "fields"
MAX_VALUE_CHARS = 500


def log_fields(**values: Any) -> dict[str, dict[str, str]]:
    """The `extra` of a logging call carrying `values` (None ones left out)."""
    return {
        FIELDS_ATTRIBUTE: {key: _text(value) for key, value in values.items() if value is not None}
    }


def format_fields(fields: dict[str, str]) -> str:
    """` job=ab12 product=7 reason="Category is invalid"` (quoted when it holds a space)."""
    parts = []
    for key, value in fields.items():
        needs_quotes = not value or any(c.isspace() or c in '"=' for c in value)
        text = (
            '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"' if needs_quotes else value
        )
        parts.append(f"{key}={text}")
    return " " + " ".join(parts) if parts else ""


def _text(value: Any) -> str:
    text = " ".join(str(value).split())  # one line per record, whatever the reason says
    return text if len(text) <= MAX_VALUE_CHARS else text[: MAX_VALUE_CHARS - 1] + "…"
