"""Compare what an example shows with what an implementation gave, as ASGI behaviour: by value, not by spelling.

The page shows the reference's `repr` of a value: a message dict, a list of
them, a state. Another implementation may give an equal value that prints
otherwise: a message type that is a `str` enum (`{'type': MessageType.SEND}`),
a dict built in another key order, a close code that is an `int` enum. The
runner has the value itself (the one a `>>>` expression displayed), so it
compares that value with the page's text read back as a literal
(`ast.literal_eval`'s grammar, plus `...` for "anything" and enum reprs such
as `<WebSocketState.CONNECTED: 1>`, matched by member name and value).

`equivalent(value, shown)` returns `None` when they differ, else the notes
saying how the spelling differs (empty when only the text differed in a way
no note names). A `str`, `bytes`, `int` or `float` subclass equal to the
shown value matches (noted); `bool` never stands for an `int`; dicts are
compared by their keys, in any order (noted when the order differs); lists,
tuples and sets by their items.

Example:
    >>> import enum
    >>> class MessageType(enum.StrEnum):
    ...     SEND = "websocket.send"
    >>> equivalent({"text": "hi", "type": MessageType.SEND}, "{'type': 'websocket.send', 'text': 'hi'}")
    ['message type is a str enum (MessageType)', 'key order']
    >>> equivalent({"type": "websocket.send", "text": "hi"}, "{'type': 'websocket.send', 'text': 'bye'}") is None
    True
"""

from __future__ import annotations

import ast
import enum
import re
from dataclasses import dataclass
from typing import Any, NoReturn

# `<WebSocketState.CONNECTED: 1>` -> a marker call the reader below understands.
ENUM_REPR = re.compile(r"<(?P<cls>[A-Za-z_]\w*)\.(?P<member>[A-Za-z_]\w*): (?P<value>-?\d+|'[^'\\]*')>")
MARKER = "__shown_enum__"


class NotALiteral(ValueError):
    """The shown text is not a value this module can read back."""


@dataclass(frozen=True)
class ShownEnum:
    """An enum member as its repr shows it: class name, member name, value."""

    cls: str
    member: str
    value: object


def read_shown(text: str) -> Any:
    """The value `text` (an example's expected output) shows; `NotALiteral` if it is not one.

    >>> read_shown("[<WebSocketState.CONNECTED: 1>, {'code': 1000}]")
    [ShownEnum(cls='WebSocketState', member='CONNECTED', value=1), {'code': 1000}]
    """
    marked = ENUM_REPR.sub(lambda m: f"{MARKER}({m['cls']!r}, {m['member']!r}, {m['value']})", text.strip())
    if not marked:
        raise NotALiteral("no output")
    try:
        tree = ast.parse(marked, mode="eval")
    except SyntaxError as error:
        raise NotALiteral(str(error)) from None
    return _literal(tree.body)


def _literal(node: ast.expr) -> Any:
    if isinstance(node, ast.Constant):
        return node.value
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub | ast.UAdd):
        operand = _literal(node.operand)
        if isinstance(operand, int | float) and not isinstance(operand, bool):
            return -operand if isinstance(node.op, ast.USub) else operand
    elif isinstance(node, ast.List):
        return [_literal(item) for item in node.elts]
    elif isinstance(node, ast.Tuple):
        return tuple(_literal(item) for item in node.elts)
    elif isinstance(node, ast.Set):
        return _ShownSet(_literal(item) for item in node.elts)
    elif isinstance(node, ast.Dict):
        items = zip(node.keys, node.values, strict=True)
        return _ShownDict([(_literal(k), _literal(v)) if k else _not_literal(node) for k, v in items])
    elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == MARKER:
        cls, member, value = (_literal(argument) for argument in node.args)
        return ShownEnum(cls, member, value)
    _not_literal(node)


def _not_literal(node: ast.expr) -> NoReturn:
    raise NotALiteral(f"not a literal: {ast.unparse(node)}")


class _ShownDict(list[tuple[Any, Any]]):
    """A shown dict as its items in page order (its keys may be unhashable markers)."""

    def __repr__(self) -> str:
        return "{" + ", ".join(f"{k!r}: {v!r}" for k, v in self) + "}"


class _ShownSet(list[Any]):
    """A shown set as its items."""


def equivalent(value: object, shown: str) -> list[str] | None:
    """How `value` differs in spelling from the value `shown` prints, or `None` if it is another value."""
    try:
        expected = read_shown(shown)
    except NotALiteral:
        return None
    notes: list[str] = []
    if not _same(value, expected, "value", notes):
        return None
    return list(dict.fromkeys(notes))


def _same(got: object, expected: object, where: str, notes: list[str]) -> bool:
    """Whether `got` is the value `expected` stands for; spelling differences are added to `notes`."""
    if expected is Ellipsis:
        return True
    if isinstance(expected, ShownEnum):
        if not isinstance(got, enum.Enum) or got.name != expected.member or got.value != expected.value:
            return False
        if type(got).__name__ != expected.cls:
            notes.append(f"{where} is a {type(got).__name__} member, shown as {expected.cls}")
        return True
    if isinstance(expected, _ShownDict):
        return _same_dict(got, expected, where, notes)
    if isinstance(expected, _ShownSet):
        if not isinstance(got, set | frozenset) or len(got) != len(expected):
            return False
        return all(any(_same(item, wanted, f"{where} item", notes) for item in got) for wanted in expected)
    if isinstance(expected, list | tuple):
        if not isinstance(got, type(expected)) or len(got) != len(expected):
            return False
        _note_subclass(got, type(expected), where, notes)
        return all(_same(g, e, f"{where}[{i}]", notes) for i, (g, e) in enumerate(zip(got, expected, strict=True)))
    if expected is None or isinstance(expected, bool):
        return got is expected
    if isinstance(expected, str | bytes | int | float):
        base: type[Any] = type(expected)
        if not isinstance(got, base) or isinstance(got, bool) or not _equal(base, got, expected):
            return False
        _note_subclass(got, base, where, notes)
        return True
    return type(got) is type(expected) and got == expected


def _same_dict(got: object, expected: _ShownDict, where: str, notes: list[str]) -> bool:
    if not isinstance(got, dict) or len(got) != len(expected):
        return False
    _note_subclass(got, dict, where, notes)
    order: list[object] = []
    for wanted_key, wanted_value in expected:
        key = next((k for k in got if k not in order and _same(k, wanted_key, f"{where} key", notes)), _MISSING)
        if key is _MISSING:
            return False
        order.append(key)
        inner = "message type" if wanted_key == "type" else f"{where}[{wanted_key!r}]"
        if not _same(got[key], wanted_value, inner, notes):
            return False
    if order != list(got):
        notes.append("key order")
    return True


_MISSING = object()


def _note_subclass(got: object, base: type, where: str, notes: list[str]) -> None:
    kind = type(got)
    if kind is base:
        return
    article = "an" if base.__name__[0] in "aeiou" else "a"
    what = "enum" if isinstance(got, enum.Enum) else "subclass"
    notes.append(f"{where} is {article} {base.__name__} {what} ({kind.__name__})")


def _equal(base: type[Any], got: object, expected: object) -> bool:
    """`got == expected` as `base` (`str`, `int`, ...) compares them, whatever `got`'s class says."""
    compare: Any = base.__eq__
    return compare(got, expected) is True
