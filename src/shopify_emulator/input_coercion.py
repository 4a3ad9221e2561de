"""graphql-core's `coerce_input_value`, compiled to Python source once per input type.

`compile_coercer(type)` returns a function with the same result as
`coerce_input_value(value, type)`: the coerced value, or `Undefined` when the value is invalid
(the caller then asks graphql-core for the error messages). The type tests graphql-core repeats
for every value (non-null? list? input object? which fields are required or have defaults?) are
decided here once: each input object type becomes one generated function that reads its fields in
the type's order (as graphql-core does, so the coerced dicts have the same key order) with the
checks for its field types written out inline, and the common leaves (a str for String and ID, a
bool, a 32-bit int, an enum name) are accepted without a call. Anything unusual goes through the
leaf type's own `coerce_input_value`, as graphql-core does.
"""

from __future__ import annotations

from collections.abc import Callable
from types import CodeType
from typing import Any
from weakref import WeakKeyDictionary

from graphql import (
    GraphQLEnumType,
    GraphQLInputObjectType,
    GraphQLInputType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLSchema,
    Undefined,
    is_required_input_field,
)
from graphql.pyutils import is_iterable
from graphql.type.scalars import (
    GRAPHQL_MAX_INT,
    GRAPHQL_MIN_INT,
    coerce_boolean,
    coerce_id,
    coerce_int,
    coerce_string,
)
from graphql.utilities.coerce_input_value import coerce_default_value

Coercer = Callable[[Any], Any]
# A document's variables reuse its schema's coercers (the coercers refer to types, not schemas).
_BY_SCHEMA: WeakKeyDictionary[GraphQLSchema, dict[str, Coercer]] = WeakKeyDictionary()
# Compiled sources, shared by documents declaring the same variable types (batches of aliases).
_CODE: dict[str, CodeType] = {}
_MAX_CODE = 256


def compile_coercer(type_: GraphQLInputType) -> Coercer:
    """A function coercing a Python value to `type_` exactly like `coerce_input_value`."""
    return compile_coercers([type_])[0]


def schema_coercers(schema: GraphQLSchema, types: list[GraphQLInputType]) -> list[Coercer]:
    """`compile_coercers`, remembering the coercers of each schema (by type, as written)."""
    known = _BY_SCHEMA.setdefault(schema, {})
    missing = list({str(t): t for t in types if str(t) not in known}.items())
    if missing:
        compiled = compile_coercers([t for _, t in missing])
        known.update(zip([name for name, _ in missing], compiled, strict=True))
    return [known[str(t)] for t in types]


def compile_coercers(types: list[GraphQLInputType]) -> list[Coercer]:
    """`compile_coercer` for each type, generating each input object type's function once."""
    generator = _Generator()
    names = [generator.top(type_) for type_ in types]
    namespace = generator.build()
    return [namespace[name] for name in names]


class _Generator:
    """Writes the source of the coercer functions and the constants they refer to."""

    def __init__(self) -> None:
        self.namespace: dict[str, Any] = {
            "_U": Undefined,
            "_is_iterable": is_iterable,
            "_coerce_default": coerce_default_value,
        }
        self.functions: list[list[str]] = []
        self.objects: dict[str, str] = {}
        self._pending: list[tuple[str, GraphQLInputObjectType]] = []
        self._constants: dict[Any, str] = {}

    def build(self) -> dict[str, Any]:
        while self._pending:
            name, type_ = self._pending.pop()
            self.functions.append(self._object_function(name, type_))
        source = "\n\n".join("\n".join(lines) for lines in self.functions)
        code = _CODE.get(source)
        if code is None:
            code = compile(source, "<input_coercion>", "exec")
            if len(_CODE) < _MAX_CODE:
                _CODE[source] = code
        exec(code, self.namespace)
        return self.namespace

    def constant(self, key: Any, value: Any, hint: str) -> str:
        """A namespace name bound to `value` (one per `key`)."""
        name = self._constants.get(key)
        if name is None:
            name = self._constants[key] = f"_{hint}{len(self._constants)}"
            self.namespace[name] = value
        return name

    def object_name(self, type_: GraphQLInputObjectType) -> str:
        name = self.objects.get(type_.name)
        if name is None:
            name = self.objects[type_.name] = f"_object{len(self.objects)}"
            self._pending.append((name, type_))
        return name

    def top(self, type_: GraphQLInputType) -> str:
        name = f"_top{len(self.functions)}"
        lines = [f"def {name}(value):"]
        self.value(lines, 1, "value", "result", type_, 0, present=False)
        lines.append("    return result")
        self.functions.append(lines)
        return name

    def _object_function(self, name: str, type_: GraphQLInputObjectType) -> list[str]:
        fields = type_.fields
        known = self.constant(f"fields:{type_.name}", frozenset(fields), "fields")
        lines = [
            f"def {name}(value):",
            "    if type(value) is not dict:",
            "        if value is None or value is _U:",
            "            return None",
            "        if not isinstance(value, dict):",
            "            return _U",
            f"    if not value.keys() <= {known}:",
            "        for key, item in value.items():",
            f"            if item is not _U and key not in {known}:",
            "                return _U",
            "    coerced = {}",
        ]
        if type_.is_one_of:
            lines.append("    defined = 0")
        for field_name, field in fields.items():
            out_name = field.out_name or field_name
            lines.append(f"    v = value.get({field_name!r}, _U)")
            lines.append("    if v is not _U:")
            if type_.is_one_of:
                lines.append("        defined += 1")
            self.value(lines, 2, "v", "r", field.type, 0, present=True)
            lines.append(f"        coerced[{out_name!r}] = r")
            if is_required_input_field(field):
                lines += ["    else:", "        return _U"]
            elif field.default is not None or field.default_value is not Undefined:
                field_ref = self.constant(f"field:{type_.name}.{field_name}", field, "field")
                lines += [
                    "    else:",
                    f"        r = _coerce_default({field_ref})",
                    "        if r is not _U:",
                    f"            coerced[{out_name!r}] = r",
                ]
        if type_.is_one_of:
            lines += [
                "    keys = list(coerced)",
                "    if defined != 1 or len(keys) != 1 or coerced[keys[0]] is None:",
                "        return _U",
            ]
        if type_.out_type is GraphQLInputObjectType.out_type:
            # graphql-core's default out_type returns the dict itself: skip the call.
            lines.append("    return coerced")
        else:
            out_type = self.constant(f"out:{type_.name}", type_.out_type, "out")
            lines.append(f"    return {out_type}(coerced)")
        return lines

    def value(
        self,
        lines: list[str],
        indent: int,
        src: str,
        dst: str,
        type_: GraphQLInputType,
        depth: int,
        *,
        present: bool,
    ) -> None:
        """Statements coercing variable `src` to `type_` into `dst` (`return _U` if invalid).

        `present`: `src` is known not to be Undefined.
        """
        pad = "    " * indent
        absent = f"{src} is None" if present else f"{src} is None or {src} is _U"
        if isinstance(type_, GraphQLNonNull):
            lines += [f"{pad}if {absent}:", f"{pad}    return _U"]
            self.given(lines, indent, src, dst, type_.of_type, depth)
            return
        if _text_leaf(type_):
            # The common case first: a str is accepted as it is.
            lines += [f"{pad}if type({src}) is str:", f"{pad}    {dst} = {src}"]
            lines += [f"{pad}elif {absent}:", f"{pad}    {dst} = None", f"{pad}else:"]
            self._leaf_call(lines, indent + 1, src, dst, type_)
            return
        lines += [f"{pad}if {absent}:", f"{pad}    {dst} = None", f"{pad}else:"]
        self.given(lines, indent + 1, src, dst, type_, depth)

    def given(
        self,
        lines: list[str],
        indent: int,
        src: str,
        dst: str,
        type_: GraphQLInputType,
        depth: int,
    ) -> None:
        """`value` for a nullable `type_` when `src` is known to be neither None nor Undefined."""
        pad = "    " * indent
        if isinstance(type_, GraphQLList):
            item, item_dst = f"x{depth + 1}", f"y{depth + 1}"
            lines += [
                # Lists accept a single value as a list of one.
                f"{pad}if type({src}) is not list and not _is_iterable({src}):",
                f"{pad}    {src} = ({src},)",
                f"{pad}{dst} = []",
                f"{pad}for {item} in {src}:",
            ]
            self.value(lines, indent + 1, item, item_dst, type_.of_type, depth + 1, present=False)
            lines.append(f"{pad}    {dst}.append({item_dst})")
            return
        if isinstance(type_, GraphQLInputObjectType):
            lines += [
                f"{pad}{dst} = {self.object_name(type_)}({src})",
                f"{pad}if {dst} is _U:",
                f"{pad}    return _U",
            ]
            return
        test = self._accepts(type_, src)
        if test is None:
            self._leaf_call(lines, indent, src, dst, type_)
            return
        accepted = src
        if isinstance(type_, GraphQLEnumType):
            accepted = f"{self._enum_table(type_)}[{src}]"
        lines += [f"{pad}if {test}:", f"{pad}    {dst} = {accepted}", f"{pad}else:"]
        self._leaf_call(lines, indent + 1, src, dst, type_)

    def _accepts(self, type_: GraphQLInputType, src: str) -> str | None:
        """A test accepting the common input of a leaf type as it is (or by name), if any."""
        coerce = getattr(type_, "coerce_input_value", None)
        if coerce in (coerce_string, coerce_id):
            return f"type({src}) is str"
        if coerce is coerce_boolean:
            return f"type({src}) is bool"
        if coerce is coerce_int:
            return f"type({src}) is int and {GRAPHQL_MIN_INT} <= {src} <= {GRAPHQL_MAX_INT}"
        if (
            isinstance(type_, GraphQLEnumType)
            and getattr(coerce, "__func__", None) is GraphQLEnumType.coerce_input_value
        ):
            return f"type({src}) is str and {src} in {self._enum_table(type_)}"
        return None

    def _enum_table(self, type_: GraphQLEnumType) -> str:
        """Name of the enum's name-to-value table (what its `coerce_input_value` looks up)."""
        table = {name: value.value for name, value in type_.values.items()}
        return self.constant(f"enum:{type_.name}", table, "enum")

    def _leaf_call(
        self, lines: list[str], indent: int, src: str, dst: str, type_: GraphQLInputType
    ) -> None:
        pad = "    " * indent
        leaf = type_.coerce_input_value  # type: ignore[union-attr]
        coerce = self.constant(f"leaf:{type_}", leaf, "leaf")
        lines += [
            f"{pad}try:",
            f"{pad}    {dst} = {coerce}({src})",
            f"{pad}except Exception:",
            f"{pad}    return _U",
            f"{pad}if {dst} is _U:",
            f"{pad}    return _U",
        ]


def _text_leaf(type_: GraphQLInputType) -> bool:
    """String and ID: graphql-core accepts a str as it is."""
    return getattr(type_, "coerce_input_value", None) in (coerce_string, coerce_id)
