"""What a GraphQL document uses that a schema deprecates: fields, arguments, enum values."""

from __future__ import annotations

from graphql import (
    ArgumentNode,
    EnumValueNode,
    FieldNode,
    GraphQLEnumType,
    GraphQLSchema,
    ObjectFieldNode,
    TypeInfo,
    TypeInfoVisitor,
    Visitor,
    get_named_type,
    parse,
    visit,
)


class _DeprecationFinder(Visitor):
    def __init__(self, type_info: TypeInfo) -> None:
        super().__init__()
        self.type_info = type_info
        self.found: list[str] = []

    def enter_field(self, node: FieldNode, *_args: object) -> None:
        parent = self.type_info.get_parent_type()
        definition = self.type_info.get_field_def()
        if parent is not None and definition is not None and definition.deprecation_reason:
            self.found.append(f"{parent.name}.{node.name.value}")

    def enter_argument(self, node: ArgumentNode, *_args: object) -> None:
        definition = self.type_info.get_argument()
        if definition is not None and definition.deprecation_reason:
            parent = self.type_info.get_parent_type()
            field = self.type_info.get_field_def()
            owner = f"{parent.name}." if parent is not None else ""
            name = next((n for n, f in getattr(parent, "fields", {}).items() if f is field), "?")
            self.found.append(f"{owner}{name}({node.name.value}:)")

    def enter_object_field(self, node: ObjectFieldNode, *_args: object) -> None:
        parent = get_named_type(self.type_info.get_parent_input_type())
        fields = getattr(parent, "fields", {})
        definition = fields.get(node.name.value)
        if definition is not None and definition.deprecation_reason:
            self.found.append(f"{parent.name}.{node.name.value}")  # type: ignore[union-attr]

    def enter_enum_value(self, node: EnumValueNode, *_args: object) -> None:
        enum = get_named_type(self.type_info.get_input_type())
        if isinstance(enum, GraphQLEnumType):
            value = enum.values.get(node.value)
            if value is not None and value.deprecation_reason:
                self.found.append(f"{enum.name}.{node.value}")


def deprecated_uses(schema: GraphQLSchema, document: str) -> list[str]:
    """Each deprecated field, argument, input field or enum value `document` uses."""
    type_info = TypeInfo(schema)
    finder = _DeprecationFinder(type_info)
    visit(parse(document), TypeInfoVisitor(type_info, finder))
    return finder.found
