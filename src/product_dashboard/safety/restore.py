"""Three-way restore: put back a job's before-values only where nothing changed since the job.

`restore(before, after, current)` walks the shapes as `diff` does (objects key by key, lists of
objects by identity): where the current value is still what the job left (`after`), it becomes
`before` again; where it moved since, it stays, and the place is reported with the reason.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from product_dashboard.safety.diff import IGNORED, element_id, identity_keys

_ABSENT: Any = object()


@dataclass(frozen=True)
class NotRestored:
    path: str
    reason: str
    now: Any = None
    job_left: Any = None


@dataclass
class Restoration:
    value: Any
    not_restored: list[NotRestored] = field(default_factory=list)


def restore(
    before: Mapping[str, Any], after: Mapping[str, Any], current: Mapping[str, Any]
) -> Restoration:
    skipped: list[NotRestored] = []
    value = _merge(dict(before), dict(after), dict(current), "", skipped)
    return Restoration(value=value, not_restored=skipped)


def _merge(before: Any, after: Any, current: Any, path: str, skipped: list[NotRestored]) -> Any:
    if before == after or (after == current and _same_type(after, current)):
        return before if after == current else current
    if all(isinstance(v, Mapping) for v in (before, after, current)):
        merged: dict[str, Any] = {}
        for key in sorted(before.keys() | after.keys() | current.keys()):
            if key in IGNORED:
                if key in current:
                    merged[key] = current[key]
                continue
            value = _merge(
                before.get(key, _ABSENT),
                after.get(key, _ABSENT),
                current.get(key, _ABSENT),
                f"{path}.{key}" if path else key,
                skipped,
            )
            if value is not _ABSENT:
                merged[key] = value
        return merged
    if all(_objects(v) for v in (before, after, current)):
        return _merge_list(before or [], after or [], current or [], path, skipped)
    skipped.append(
        NotRestored(
            path=path or "(product)",
            reason="changed since the job",
            now=None if current is _ABSENT else current,
            job_left=None if after is _ABSENT else after,
        )
    )
    return current


def _merge_list(
    before: Sequence[Mapping[str, Any]],
    after: Sequence[Mapping[str, Any]],
    current: Sequence[Mapping[str, Any]],
    path: str,
    skipped: list[NotRestored],
) -> list[Any]:
    keys = identity_keys(before, after, current)
    by_before = {element_id(e, keys, i): e for i, e in enumerate(before)}
    by_after = {element_id(e, keys, i): e for i, e in enumerate(after)}
    merged: list[Any] = []
    for index, element in enumerate(current):
        ident = element_id(element, keys, index)
        value = _merge(
            by_before.get(ident, _ABSENT),
            by_after.get(ident, _ABSENT),
            element,
            f"{path}[{ident}]",
            skipped,
        )
        if value is not _ABSENT:
            merged.append(value)
    present = {element_id(e, keys, i) for i, e in enumerate(current)}
    for ident, element in by_before.items():
        if ident in by_after or ident in present:
            continue
        merged.append(element)  # removed by the job and still gone: back it comes
    return merged


def _objects(value: Any) -> bool:
    if value is _ABSENT or value is None:
        return True
    return isinstance(value, list) and all(isinstance(v, Mapping) for v in value)


def _same_type(a: Any, b: Any) -> bool:
    return type(a) is type(b)
