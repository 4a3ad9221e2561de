"""Recent failures from the log file, grouped by job: what the Activity page shows of the logs.

Reads only the file's last `TAIL_BYTES` (the newest lines), keeps WARNING and worse lines, and
parses their `key=value` fields (kit/log_fields.py) back. Lines of another format (tracebacks,
a library's own) are skipped.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

from pydantic import BaseModel, Field

TAIL_BYTES = 2 * 1024 * 1024
LINES_PER_GROUP = 5
PRODUCTS_LISTED = 20
FAILURE_LEVELS = frozenset({"WARNING", "ERROR", "CRITICAL"})

_HEAD = re.compile(
    r"^(?P<at>\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}) (?P<level>[A-Z]+)\s+\[(?P<request>[^\]]*)\] "
    r"(?P<logger>[\w.]+): (?P<rest>.*)$"
)
# key=value at the end of the line; a value is bare or quoted with \" and \\ escapes.
_FIELD = re.compile(r'\s(\w+)=("(?:[^"\\]|\\.)*"|[^\s"]+)$')


class LogFailure(BaseModel):
    at: datetime
    level: str
    logger: str
    message: str
    fields: dict[str, str]


class JobFailures(BaseModel):
    job: str | None = Field(description="The job id; null for failures outside a job")
    count: int
    last_at: datetime
    last_reason: str | None
    products: list[str] = Field(description="Products named in these lines, newest first")
    lines: list[LogFailure] = Field(description="The newest lines, newest first")


def parse_fields(rest: str) -> tuple[str, dict[str, str]]:
    """The message and its trailing fields, peeled off from the end."""
    fields: dict[str, str] = {}
    while match := _FIELD.search(rest):
        value = match.group(2)
        if value.startswith('"'):
            value = re.sub(r"\\(.)", r"\1", value[1:-1])
        fields[match.group(1)] = value
        rest = rest[: match.start()]
    return rest, dict(reversed(list(fields.items())))


def parse_line(line: str) -> LogFailure | None:
    head = _HEAD.match(line)
    if head is None or head.group("level") not in FAILURE_LEVELS:
        return None
    message, fields = parse_fields(head.group("rest"))
    at = datetime.strptime(head.group("at"), "%Y-%m-%d %H:%M:%S").replace(tzinfo=UTC)
    return LogFailure(
        at=at,
        level=head.group("level"),
        logger=head.group("logger"),
        message=message,
        fields=fields,
    )


def _tail(path: Path) -> list[str]:
    if not path.exists():
        return []
    with path.open("rb") as file:
        size = file.seek(0, 2)
        start = max(0, size - TAIL_BYTES)
        file.seek(start)
        lines = file.read().decode("utf-8", errors="replace").splitlines()
    return lines[1:] if start else lines  # the first line read may be a line's end


def recent_failures(path: Path, limit: int) -> list[JobFailures]:
    """Failure lines grouped by job, the group with the newest failure first."""
    groups: dict[str | None, list[LogFailure]] = {}
    for line in reversed(_tail(path)):
        failure = parse_line(line)
        if failure is not None:
            groups.setdefault(failure.fields.get("job"), []).append(failure)
    result = []
    for job, failures in groups.items():
        products = list(
            dict.fromkeys(f.fields["product"] for f in failures if "product" in f.fields)
        )
        result.append(
            JobFailures(
                job=job,
                count=len(failures),
                last_at=failures[0].at,
                last_reason=next(
                    (f.fields["reason"] for f in failures if "reason" in f.fields), None
                ),
                products=products[:PRODUCTS_LISTED],
                lines=failures[:LINES_PER_GROUP],
            )
        )
    result.sort(key=lambda group: group.last_at, reverse=True)
    return result[:limit]
