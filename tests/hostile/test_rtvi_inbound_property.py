"""Property tests of the RTVI inbound decoders: ``parse_envelope`` and ``validate_data``.

Whatever JSON value arrives, ``parse_envelope`` returns None (not RTVI), a
``ClientEnvelope`` whose fields have their types, or raises ``EnvelopeError``; and
``validate_data`` returns the payload of each message type or raises one of the
``RTVIMessageError`` kinds — never another exception. What it accepts is bounded: raw
audio in a format a client may send, ``send-text`` content within ``MAX_TEXT_CHARS``.
The whole path from client bytes (``decode_client_json`` first) raises only the
documented errors too.
"""

from __future__ import annotations

import base64
from typing import Any

import msgspec
from hypothesis import given
from hypothesis import strategies as st

from rtvi_core.audio import INPUT_SAMPLE_RATES, MAX_INPUT_CHANNELS
from rtvi_core.rtvi import messages as m

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(1 << 70), max_value=1 << 70),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=20),
)
json_values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=25,
)
msg_types = st.one_of(st.sampled_from(sorted(m.CLIENT_MESSAGE_TYPES)), st.text(max_size=20))


def maybe(good: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """Mostly a well-typed value, sometimes any JSON value."""
    return st.one_of(good, good, json_values)


b64 = st.binary(max_size=64).map(lambda b: base64.b64encode(b).decode()) | st.text(max_size=12)
rates = st.one_of(st.sampled_from(INPUT_SAMPLE_RATES), st.integers(min_value=-10, max_value=200_000))
node = st.recursive(
    st.fixed_dictionaries({"ref": maybe(st.text(max_size=4)), "role": maybe(st.text(max_size=4))}),
    lambda inner: st.fixed_dictionaries(
        {"ref": st.text(max_size=4), "role": st.text(max_size=4)},
        optional={"children": maybe(st.lists(inner, max_size=3))},
    ),
    max_leaves=10,
)

#: Near-valid ``data`` for each type: its keys, mostly well typed.
NEAR_VALID: dict[str, st.SearchStrategy[Any]] = {
    "client-ready": st.fixed_dictionaries(
        {}, optional={"version": maybe(st.sampled_from(["2.1.0", "1.0.0", "3.0", "x"])), "about": json_values}
    ),
    "client-message": st.fixed_dictionaries({}, optional={"t": maybe(st.text(max_size=8)), "d": json_values}),
    "send-text": st.fixed_dictionaries(
        {},
        optional={
            "content": maybe(
                st.one_of(
                    st.text(max_size=30), st.integers(m.MAX_TEXT_CHARS - 2, m.MAX_TEXT_CHARS + 2).map("a".__mul__)
                )
            ),
            "options": maybe(
                st.fixed_dictionaries(
                    {}, optional={"run_immediately": maybe(st.booleans()), "audio_response": maybe(st.booleans())}
                )
            ),
        },
    ),
    "llm-function-call-result": st.fixed_dictionaries(
        {},
        optional={
            "function_name": maybe(st.text(max_size=8)),
            "tool_call_id": maybe(st.text(max_size=8)),
            "arguments": maybe(st.dictionaries(st.text(max_size=4), scalars, max_size=3)),
            "result": json_values,
        },
    ),
    "dtmf": st.fixed_dictionaries(
        {}, optional={"buttons": maybe(st.lists(maybe(st.sampled_from(list("0123456789*#AB"))), max_size=5))}
    ),
    "raw-audio": st.fixed_dictionaries(
        {}, optional={"base64Audio": maybe(b64), "sampleRate": maybe(rates), "numChannels": maybe(st.integers(-1, 4))}
    ),
    "raw-audio-batch": st.fixed_dictionaries(
        {},
        optional={
            "base64AudioBatch": maybe(st.lists(b64, max_size=3)),
            "sampleRate": maybe(rates),
            "numChannels": maybe(st.integers(-1, 4)),
        },
    ),
    "ui-event": st.fixed_dictionaries({}, optional={"event": maybe(st.text(max_size=8)), "payload": json_values}),
    "ui-snapshot": st.fixed_dictionaries(
        {}, optional={"tree": maybe(st.fixed_dictionaries({"root": maybe(node), "captured_at": maybe(st.integers())}))}
    ),
    "ui-cancel-job-group": st.fixed_dictionaries(
        {}, optional={"job_id": maybe(st.text(max_size=8)), "reason": json_values}
    ),
}
typed_data = st.sampled_from(sorted(NEAR_VALID)).flatmap(lambda t: st.tuples(st.just(t), NEAR_VALID[t]))


def check_payload(msg_type: str, data: Any) -> None:
    """``validate_data`` returns a payload within its bounds, or raises a documented error."""
    try:
        payload = m.validate_data(msg_type, data)
    except m.RTVIMessageError as exc:
        assert exc.reply in ("error", "error-response", None)
        assert exc.error_text.startswith(exc.prefix)
        return
    if isinstance(payload, (m.RawAudioData, m.RawAudioBatchData)):
        assert payload.sample_rate in INPUT_SAMPLE_RATES and 1 <= payload.num_channels <= MAX_INPUT_CHANNELS
    elif isinstance(payload, m.SendTextData):
        assert isinstance(payload.content, str) and len(payload.content) <= m.MAX_TEXT_CHARS


@given(json_values)
def test_property_parse_envelope_of_any_json_value(value: Any) -> None:
    try:
        envelope = m.parse_envelope(value)
    except m.EnvelopeError as exc:
        assert exc.error_text.startswith("Invalid RTVI transport message: ")
        return
    if envelope is not None:
        assert type(envelope.type) is str and type(envelope.id) is str
        assert envelope.data is None or type(envelope.data) is dict


@given(
    maybe(msg_types),
    maybe(st.text(max_size=8)),
    st.one_of(st.none(), json_values),
    st.dictionaries(st.text(max_size=5), json_values, max_size=2),
)
def test_property_parse_envelope_of_rtvi_labelled_objects(msg_type: Any, msg_id: Any, data: Any, extra: dict) -> None:
    message = extra | {"label": "rtvi-ai", "type": msg_type, "id": msg_id, "data": data}
    well_typed = type(msg_type) is str and type(msg_id) is str and (data is None or type(data) is dict)
    try:
        envelope = m.parse_envelope(message)
    except m.EnvelopeError:
        assert not well_typed
        return
    assert well_typed and envelope == m.ClientEnvelope(msg_type, msg_id, data)


@given(msg_types, st.one_of(st.none(), st.dictionaries(st.text(max_size=10), json_values, max_size=5)))
def test_property_validate_data_of_any_object_raises_only_documented_errors(msg_type: str, data: Any) -> None:
    check_payload(msg_type, data)


@given(typed_data)
def test_property_validate_data_of_near_valid_payloads_raises_only_documented_errors(case: tuple[str, Any]) -> None:
    check_payload(*case)


@given(
    st.one_of(
        json_values.map(msgspec.json.encode),
        typed_data.map(
            lambda case: msgspec.json.encode({"label": "rtvi-ai", "type": case[0], "id": "1", "data": case[1]})
        ),
        st.binary(max_size=200),
    )
)
def test_property_client_bytes_to_payload_raise_only_documented_errors(data: bytes) -> None:
    try:
        value = m.decode_client_json(data)
        envelope = m.parse_envelope(value)
        if envelope is not None:
            check_payload(envelope.type, envelope.data)
    except (msgspec.DecodeError, m.JSONBoundsError, m.EnvelopeError):
        pass
