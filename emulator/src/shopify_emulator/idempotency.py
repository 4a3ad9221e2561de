"""The `@idempotent(key:)` directive of inventory mutations, as Shopify 2026-10 defines it.

A key is remembered with the parameters it came with and the answer it got: the same key with
the same parameters gets that answer again without applying anything a second time; with other
parameters it is refused (`IDEMPOTENCY_KEY_PARAMETER_MISMATCH`); after a refused request the key
is spent (`IDEMPOTENCY_PREVIOUS_ATTEMPT_FAILED`: retry with a new key). A request whose key is
still being worked on is refused with `IDEMPOTENCY_CONCURRENT_REQUEST`.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from graphql import GraphQLResolveInfo, value_from_ast_untyped

from shopify_emulator.models import UserError

MAX_KEYS = 100_000


@dataclass(slots=True)
class _Seen:
    parameters: str
    answer: tuple[Any, list[UserError]] | None  # None: still being worked on


class IdempotencyKeys:
    def __init__(self) -> None:
        self._seen: dict[str, _Seen] = {}

    def clear(self) -> None:
        self._seen.clear()

    def run(
        self,
        key: str | None,
        parameters: Mapping[str, Any],
        apply: Callable[[], tuple[Any, list[UserError]]],
    ) -> tuple[Any, list[UserError]]:
        if key is None:
            return apply()
        fingerprint = json.dumps(parameters, sort_keys=True, default=str)
        seen = self._seen.get(key)
        if seen is not None:
            if seen.answer is None:
                return None, [
                    _error(
                        "This request is currently in progress, please try again.",
                        "IDEMPOTENCY_CONCURRENT_REQUEST",
                    )
                ]
            if seen.parameters != fingerprint:
                return None, [
                    _error(
                        "The same idempotency key cannot be used with different operation "
                        "parameters.",
                        "IDEMPOTENCY_KEY_PARAMETER_MISMATCH",
                    )
                ]
            if seen.answer[1]:
                return None, [
                    _error(
                        "A previous request with this idempotency key failed. Retry with a new "
                        "idempotency key.",
                        "IDEMPOTENCY_PREVIOUS_ATTEMPT_FAILED",
                    )
                ]
            return seen.answer
        if len(self._seen) >= MAX_KEYS:
            self._seen.pop(next(iter(self._seen)))
        entry = _Seen(fingerprint, None)
        self._seen[key] = entry
        try:
            entry.answer = apply()
        except BaseException:
            del self._seen[key]
            raise
        return entry.answer


def _error(message: str, code: str) -> UserError:
    return UserError(None, message, code)


def idempotency_key(info: GraphQLResolveInfo) -> str | None:
    """The key of the field's `@idempotent` directive, if it has one."""
    for directive in info.field_nodes[0].directives or ():
        if directive.name.value != "idempotent":
            continue
        for argument in directive.arguments or ():
            if argument.name.value == "key":
                value = value_from_ast_untyped(argument.value, info.variable_values.coerced)
                return str(value) if value is not None else None
    return None
