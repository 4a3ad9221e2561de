"""The completer of one object type's selection, written as Python source and compiled once.

`Planner` (in `projection`) asks for one function per object type and selection set; it does
what the closures it replaces did, field by field and in the same order: fields the default
resolver serves are read inline (`field_of`'s rules: dict key, `gid` for `id`, `id` for
`legacyResourceId`, else the snake_case attribute), other fields call their resolver with a
`GraphQLResolveInfo`, leaves go through `coerce_output_value` (a str is taken as it is for String
and ID, as graphql-core's serializers do), and anything irregular raises `Irregular`. Response
paths are only built where a resolver or an abstract type can see them.
"""

from __future__ import annotations

from types import CodeType, CoroutineType
from typing import TYPE_CHECKING, Any

from graphql import (
    FieldNode,
    GraphQLAbstractType,
    GraphQLField,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLOutputType,
    Undefined,
    is_leaf_type,
)
from graphql.pyutils import is_iterable
from graphql.type.scalars import serialize_id, serialize_string

from shopify_emulator.graphql_schema import _snake, default_resolver

if TYPE_CHECKING:
    from shopify_emulator.projection import Completer, Planner


class ObjectSource:
    """Generates the completer of `parent` for the grouped fields of one selection."""

    def __init__(
        self,
        planner: Planner,
        parent: GraphQLObjectType,
        grouped: dict[str, list[FieldNode]],
    ) -> None:
        from shopify_emulator import projection

        self.planner = planner
        self.parent = parent
        self.grouped = grouped
        self.namespace: dict[str, Any] = {
            "_U": Undefined,
            "_Irregular": projection.Irregular,
            "_build_info": projection.build_info,
            "_is_iterable": is_iterable,
            "_Coroutine": CoroutineType,
            "_parent": parent,
        }
        self.lines: list[str] = []
        self._count = 0
        self.needs_path = False

    def constant(self, value: Any, hint: str) -> str:
        self._count += 1
        name = f"_{hint}{self._count}"
        self.namespace[name] = value
        return name

    def build(self) -> Completer:
        body: list[str] = []
        defaults = False
        for key, nodes in self.grouped.items():
            defaults |= self._field(body, key, nodes)
        head = ["def complete(value, scope, path):", "    if value is None:", "        return None"]
        if defaults:
            head.append("    is_dict = isinstance(value, dict)")
        source = "\n".join([*head, "    out = {}", *body, "    return out"])
        exec(_compiled(source, f"<completer {self.parent.name}>"), self.namespace)
        completer: Completer = self.namespace["complete"]
        return completer

    def _field(self, lines: list[str], key: str, nodes: list[FieldNode]) -> bool:
        """Statements setting `out[key]`; True when the field reads the value by default."""
        name = nodes[0].name.value
        if name == "__typename":
            lines.append(f"    out[{key!r}] = {self.parent.name!r}")
            return False
        field: GraphQLField = self.parent.fields[name]
        resolve = field.resolve or default_resolver
        node = nodes[0]
        with_args = bool(field.args or node.arguments)
        here = f"path.add_key({key!r}, {self.parent.name!r})"
        if resolve is default_resolver and not with_args:
            lines.append(f"    source = {_default_read(name)}")
            self.value(lines, 1, "source", "result", field.type, nodes, here, 0)
            lines.append(f"    out[{key!r}] = result")
            return True
        from shopify_emulator.projection import compile_arguments

        self.needs_path = True
        resolver = self.constant(resolve, "resolve")
        nodes_ref = self.constant(nodes, "nodes")
        type_ref = self.constant(field.type, "type")
        lines += [
            f"    here = {here}",
            f"    info = _build_info(scope, {name!r}, {nodes_ref}, {type_ref}, _parent, here)",
        ]
        if with_args:
            arguments = self.constant(compile_arguments(field, node), "arguments")
            lines.append(f"    source = {resolver}(value, info, **{arguments}(scope.variables))")
        else:
            lines.append(f"    source = {resolver}(value, info)")
        lines += [
            "    if type(source) is _Coroutine:",
            "        source.close()",
            "        raise _Irregular",
        ]
        self.value(lines, 1, "source", "result", field.type, nodes, "here", 0)
        lines.append(f"    out[{key!r}] = result")
        return False

    def value(
        self,
        lines: list[str],
        indent: int,
        src: str,
        dst: str,
        type_: GraphQLOutputType,
        nodes: list[FieldNode],
        path: str,
        depth: int,
    ) -> None:
        """Statements completing `src` as `type_` into `dst`; `path` is its path expression."""
        pad = "    " * indent
        # Completing a value gives None only for None: a non-null type refuses None up front.
        absent = f"{pad}    {dst} = None"
        if isinstance(type_, GraphQLNonNull):
            type_ = type_.of_type
            absent = f"{pad}    raise _Irregular"
        if is_leaf_type(type_):
            coerce = type_.coerce_output_value
            call = [
                f"{pad}    {dst} = {self.constant(coerce, 'leaf')}({src})",
                f"{pad}    if {dst} is None or {dst} is _U:",
                f"{pad}        raise _Irregular",
            ]
            if coerce in (serialize_string, serialize_id):
                lines += [f"{pad}if type({src}) is str:", f"{pad}    {dst} = {src}"]
                lines += [f"{pad}elif {src} is None:", absent, f"{pad}else:"]
            else:
                lines += [f"{pad}if {src} is None:", absent, f"{pad}else:"]
            lines += call
            return
        lines += [f"{pad}if {src} is None:", absent, f"{pad}else:"]
        inner = "    " * (indent + 1)
        if isinstance(type_, GraphQLList):
            item, item_dst, index = f"x{depth + 1}", f"y{depth + 1}", f"i{depth + 1}"
            lines += [
                f"{inner}if not _is_iterable({src}):",
                f"{inner}    raise _Irregular",
                f"{inner}{dst} = []",
            ]
            item_type = type_.of_type
            if self.planner.needs_path(item_type, nodes):
                lines += [
                    f"{inner}list_path{depth} = {path}",
                    f"{inner}for {index}, {item} in enumerate({src}):",
                ]
                item_path = f"list_path{depth}.add_key({index})"
            else:
                lines.append(f"{inner}for {item} in {src}:")
                item_path = "None"
            self.value(lines, indent + 2, item, item_dst, item_type, nodes, item_path, depth + 1)
            lines.append(f"{inner}    {dst}.append({item_dst})")
            return
        completer = self.planner.completer(type_, nodes)
        if isinstance(type_, GraphQLAbstractType) or self.planner.needs_path(type_, nodes):
            self.needs_path = True
            argument = path
        else:
            argument = "None"
        lines.append(
            f"{inner}{dst} = {self.constant(completer, 'complete')}({src}, scope, {argument})"
        )


def _default_read(name: str) -> str:
    """An expression for `field_of(value, name)` (with `is_dict` set)."""
    if name == "id":
        attribute = "getattr(value, 'gid', None)"
    elif name == "legacyResourceId":
        attribute = "getattr(value, 'id', None)"
    else:
        attribute = f"getattr(value, {_snake(name)!r}, None)"
    return f"value.get({name!r}) if is_dict else {attribute}"


_CODE: dict[str, CodeType] = {}
_MAX_CODE = 2048


def _compiled(source: str, filename: str) -> CodeType:
    """Compiled `source`, shared: aliased fields of a batch repeat the same selection."""
    code = _CODE.get(source)
    if code is None:
        code = compile(source, filename, "exec")
        if len(_CODE) < _MAX_CODE:
            _CODE[source] = code
    return code
