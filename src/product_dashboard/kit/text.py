"""Text fields neither database stores as given: a NUL character (PostgreSQL refuses the
statement; SQLite's C strings end there)."""

from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator

NUL_MESSAGE = "must not contain a NUL character"


def without_nul(value: str) -> str:
    """`value`, or ValueError when it holds a NUL."""
    if "\x00" in value:
        raise ValueError(NUL_MESSAGE)
    return value


NoNulStr = Annotated[str, AfterValidator(without_nul)]
"""A str field refused (422) when it holds a NUL."""
