"""Property tests of the client JSON decoder and its depth check (``decode_client_json``).

For any JSON value, decoding its text gives the value back when it nests at most
``MAX_JSON_DEPTH`` deep and raises ``JSONBoundsError`` otherwise — whatever its strings
hold (brackets, quotes, escapes); for any text, only ``msgspec.DecodeError`` or
``JSONBoundsError`` comes out, never ``RecursionError``, and a value decoded holds at most
``MAX_JSON_CONTAINERS`` arrays and objects; memory stays within a bounded
multiple of the text; and a value under the limit encodes again, inside a reply, without
``RecursionError``.
"""

from __future__ import annotations

import tracemalloc
from typing import Any

import msgspec
from hypothesis import given
from hypothesis import strategies as st

from rtvi_core.rtvi.messages import (
    MAX_JSON_CONTAINERS,
    MAX_JSON_DEPTH,
    JSONBoundsError,
    ServerResponse,
    ServerResponseData,
    decode_client_json,
    encode,
)
from rtvi_core.rtvi.messages.client_json import nested_deeper_than

tricky_text = st.text(alphabet=st.sampled_from('[]{}"\\,:ab \n\u00e9\u2028'), max_size=12) | st.text(max_size=8)
scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(1 << 70), max_value=1 << 70),
    st.floats(allow_nan=False, allow_infinity=False),
    tricky_text,
)
shallow = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(tricky_text, inner, max_size=3),
    max_leaves=12,
)
#: Wrappers around a value (a one-item array, or an object with one key), often as many
#: as bring the value's depth next to the limit.
layer_counts = st.one_of(
    st.integers(min_value=MAX_JSON_DEPTH - 3, max_value=MAX_JSON_DEPTH + 1),
    st.integers(min_value=0, max_value=3 * MAX_JSON_DEPTH),
)
wrappers = layer_counts.flatmap(lambda n: st.lists(st.one_of(st.just(None), tricky_text), min_size=n, max_size=n))


def wrap(value: Any, layers: list[str | None]) -> Any:
    for key in layers:
        value = [value] if key is None else {key: value}
    return value


values = st.builds(wrap, shallow, wrappers)


def depth(value: Any) -> int:
    """The reference: nesting depth of arrays and objects (a scalar is 0)."""
    if isinstance(value, list):
        return 1 + max(map(depth, value), default=0)
    if isinstance(value, dict):
        return 1 + max(map(depth, value.values()), default=0)
    return 0


@given(values)
def test_property_values_under_the_limit_decode_and_deeper_ones_are_refused(value: Any) -> None:
    text = msgspec.json.encode(value)
    expected = depth(value)
    assert nested_deeper_than(value, MAX_JSON_DEPTH) == (expected > MAX_JSON_DEPTH)
    for data in (text, text.decode()):
        try:
            decoded = decode_client_json(data)
        except JSONBoundsError:
            assert expected > MAX_JSON_DEPTH
        else:
            assert expected <= MAX_JSON_DEPTH and decoded == value


@given(
    st.one_of(
        st.binary(max_size=300),
        st.text(alphabet=st.sampled_from('[]{}"\\,:1 a'), max_size=300),
        st.tuples(st.integers(0, 5000), st.sampled_from(["[", '{"a":', "[1,"])).map(lambda c: c[1] * c[0]),
        st.integers(0, 5000).map(lambda d: "[" * d + "]" * d),
        st.integers(MAX_JSON_CONTAINERS - 3, MAX_JSON_CONTAINERS + 3).map(lambda n: "[" + "[]," * (n - 2) + "[]]"),
    )
)
def test_property_any_text_gives_a_value_or_a_documented_error(data: bytes | str) -> None:
    size = len(data.encode() if isinstance(data, str) else data)
    tracemalloc.start()
    try:
        try:
            value = decode_client_json(data)
        except (msgspec.DecodeError, JSONBoundsError):
            value = None
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert not nested_deeper_than(value, MAX_JSON_DEPTH)
    assert str(value).count("[") + str(value).count("{") <= MAX_JSON_CONTAINERS
    # Decoded JSON holds Python objects: up to ~60 bytes of them per byte of "[]".
    assert peak <= 64 * size + 64 * 1024


@given(values)
def test_property_a_value_under_the_limit_round_trips_inside_a_reply(value: Any) -> None:
    # An RTVI message is an object and its data another: the client's payload may nest 62 more.
    request = msgspec.json.encode(
        {"label": "rtvi-ai", "type": "client-message", "id": "1", "data": {"t": "x", "d": value}}
    )
    try:
        decoded = decode_client_json(request)
    except JSONBoundsError:
        assert depth(value) > MAX_JSON_DEPTH - 2
        return
    payload = decoded["data"]["d"]
    reply = encode(ServerResponse(id="1", data=ServerResponseData(t="x", d={"echo": payload})))
    assert msgspec.json.decode(reply)["data"]["d"] == {"echo": value}
