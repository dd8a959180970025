"""Decoding the JSON a client sends: any JSON value, within bounds on its nesting and size.

Every decoder of client JSON (the transports' serializers) uses :func:`decode_client_json`,
so that nesting cannot exhaust the stack of the decoder, of the validation after it, or
of an encoder that sends part of the value back, and so that one message cannot hold the
event loop for long: msgspec decodes without a depth limit of its own (it raises
``RecursionError`` near the interpreter's recursion limit, ~1,000 levels) and spends
~0.2 µs per array or object (a megabyte of ``[[]]`` takes ~100 ms).

Both bounds are checked on the text first, at C speed: its opening brackets are counted
(strings included). At most :data:`MAX_JSON_CONTAINERS` of them bound the decoding work;
at most :data:`MAX_JSON_DEPTH` bound the depth as well — every RTVI message a stock
client sends. Only a text with more has its depth measured, on the decoded value, level
by level, at about the cost of decoding it. (A typed decode into a depth-bounded union of
JSON types would check the depth inside msgspec, but building that type doubles in cost
with each level: 1.2 s for 18 levels.)
"""

from __future__ import annotations

from typing import Any, Final

import msgspec

#: Deepest nesting of arrays and objects accepted from a client (a scalar is depth 0,
#: ``[]`` depth 1; an RTVI message is an object, so its ``data`` may nest 63 levels).
MAX_JSON_DEPTH: Final = 64
#: Most ``[`` and ``{`` accepted in one client message, strings included (twice the
#: longest text a client may send): decoding them takes a few milliseconds at most.
MAX_JSON_CONTAINERS: Final = 32_768

_decode = msgspec.json.Decoder().decode
#: Texts up to this long are counted whole; a longer one is first searched, in case it
#: holds only a few brackets (``find`` skips a megabyte of base64 audio 50 times faster
#: than ``count`` reads it).
_COUNT_UP_TO: Final = 4096


class JSONBoundsError(ValueError):
    """Client JSON nested deeper than :data:`MAX_JSON_DEPTH` or holding too many containers."""


_TOO_DEEP: Final = f"JSON nested deeper than {MAX_JSON_DEPTH} levels of arrays and objects"
_TOO_BIG: Final = f"JSON with more than {MAX_JSON_CONTAINERS} `[` and `{{` (arrays, objects, or in strings)"


def decode_client_json(data: bytes | str) -> Any:
    """The JSON value of ``data``.

    Raises ``msgspec.DecodeError`` when ``data`` is not JSON and :class:`JSONBoundsError`
    when it is beyond :data:`MAX_JSON_DEPTH` or :data:`MAX_JSON_CONTAINERS`; nothing else.
    """
    openers = _count_openers(data)
    if openers > MAX_JSON_CONTAINERS:
        raise JSONBoundsError(_TOO_BIG)
    try:
        value = _decode(data)
    except RecursionError:
        raise JSONBoundsError(_TOO_DEEP) from None
    if openers > MAX_JSON_DEPTH and nested_deeper_than(value, MAX_JSON_DEPTH):
        raise JSONBoundsError(_TOO_DEEP)
    return value


def _count_openers(text: bytes | str) -> int:
    """How many ``[`` and ``{`` ``text`` holds (strings included), exactly."""
    square, curly = ("[", "{") if isinstance(text, str) else (b"[", b"{")
    if len(text) > _COUNT_UP_TO:
        found = 0
        for opener in (square, curly):
            pos = text.find(opener)  # type: ignore[arg-type]
            while pos >= 0 and found <= MAX_JSON_DEPTH:
                found += 1
                pos = text.find(opener, pos + 1)  # type: ignore[arg-type]
        if found <= MAX_JSON_DEPTH:
            return found
    return text.count(square) + text.count(curly)  # type: ignore[arg-type]


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
