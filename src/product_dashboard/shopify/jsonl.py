"""JSONL bytes as they arrive from a download, parsed a chunk at a time.

A line is what lies between two b"\\n": JSON escapes every control character inside a string,
so b"\\n" never occurs within a value, while U+2028, U+2029 and U+0085 may stand raw in one
(Shopify's and the emulator's writers leave them so). Splitting decoded text with
`str.splitlines()` (httpx's `aiter_lines`) cuts such a line in two; splitting the bytes does
not, and hands orjson the bytes without decoding them to text first.

A line orjson refuses as bytes is read again as a text reader would have read it (decoded with
invalid bytes replaced, cut at every line break, blank pieces skipped), so invalid UTF-8, bare
"\\r" line ends and malformed lines end as they did before: parsed the same, or the same error.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import orjson

__all__ = ["JsonLines"]


class JsonLines:
    """Feed byte chunks in order; each call returns the values of the lines it completed,
    parsed one by one as they are taken (a malformed line fails where it stands)."""

    def __init__(self) -> None:
        self._pending: list[bytes] = []

    def feed(self, chunk: bytes) -> Iterator[Any]:
        if b"\n" not in chunk:
            if chunk:
                self._pending.append(chunk)
            return iter(())
        if self._pending:
            self._pending.append(chunk)
            chunk = b"".join(self._pending)
        lines = chunk.split(b"\n")
        tail = lines.pop()
        self._pending = [tail] if tail else []
        return _parsed(lines)

    def finish(self) -> Iterator[Any]:
        """The values of the last line, when the file does not end with b"\\n"."""
        rest, self._pending = b"".join(self._pending), []
        return _parsed([rest])


def _parsed(lines: list[bytes]) -> Iterator[Any]:
    loads = orjson.loads
    for line in lines:
        try:
            value = loads(line)
        except orjson.JSONDecodeError:
            if line.strip():
                yield from _as_text(line)
            continue
        yield value


def _as_text(line: bytes) -> Iterator[Any]:
    """The line read the way decoded text split by `str.splitlines()` reads it."""
    for piece in line.decode("utf-8", errors="replace").splitlines():
        if piece.strip():
            yield orjson.loads(piece)
