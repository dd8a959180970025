"""Decoding the JSON a client sends: any JSON value, nested at most :data:`MAX_JSON_DEPTH` deep.

Every decoder of client JSON (the transports' serializers) uses :func:`decode_client_json`,
so that nesting cannot exhaust the stack of the decoder, of the validation after it, or
of an encoder that sends part of the value back. msgspec decodes without a depth limit
of its own (it raises ``RecursionError`` near the interpreter's recursion limit, ~1,000
levels). The depth check costs a few ``bytes.find`` calls for a text with at most
:data:`MAX_JSON_DEPTH` opening brackets (every RTVI message a stock client sends); only a
text with more is measured, on the decoded value, level by level.
"""

from __future__ import annotations

from typing import Any, Final

import msgspec

#: Deepest nesting of arrays and objects accepted from a client (a scalar is depth 0,
#: ``[]`` depth 1; an RTVI message is an object, so its ``data`` may nest 62 more levels).
MAX_JSON_DEPTH: Final = 64

_decode = msgspec.json.Decoder().decode
_OPENERS: Final = {bytes: (b"[", b"{"), str: ("[", "{")}


class JSONDepthError(ValueError):
    """JSON nested deeper than :data:`MAX_JSON_DEPTH`."""

    def __init__(self) -> None:
        super().__init__(f"JSON nested deeper than {MAX_JSON_DEPTH} levels of arrays and objects")


def decode_client_json(data: bytes | str) -> Any:
    """The JSON value of ``data``.

    Raises ``msgspec.DecodeError`` when ``data`` is not JSON and :class:`JSONDepthError`
    when it nests deeper than :data:`MAX_JSON_DEPTH`; nothing else.
    """
    try:
        value = _decode(data)
    except RecursionError:
        raise JSONDepthError() from None
    if not _at_most_openers(data, MAX_JSON_DEPTH) and nested_deeper_than(value, MAX_JSON_DEPTH):
        raise JSONDepthError()
    return value


def _at_most_openers(text: bytes | str, limit: int) -> bool:
    """Whether ``text`` holds at most ``limit`` ``[`` and ``{`` (strings included)."""
    remaining = limit
    for opener in _OPENERS[str if isinstance(text, str) else bytes]:
        pos = text.find(opener)  # type: ignore[arg-type]
        while pos >= 0:
            if not remaining:
                return False
            remaining -= 1
            pos = text.find(opener, pos + 1)  # type: ignore[arg-type]
    return True


def nested_deeper_than(value: Any, limit: int) -> bool:
    """Whether decoded JSON ``value`` nests lists and dicts more than ``limit`` deep.

    Looks at each element at most once, level by level, and stops at ``limit`` levels.
    """
    if type(value) is not list and type(value) is not dict:
        return False
    level = [value]
    for _ in range(limit):
        inner = [
            item
            for container in level
            for item in (container.values() if type(container) is dict else container)
            if type(item) is list or type(item) is dict
        ]
        if not inner:
            return False
        level = inner
    return True
