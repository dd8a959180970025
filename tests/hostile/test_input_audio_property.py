"""Property tests of the input audio boundary: the format check and the rate converter.

Any sample rate and channel count is accepted exactly when it is one a client may send,
and refused with ``AudioFormatError`` otherwise; audio in an accepted format, in chunks
at any mix of rates, converts to no more audio than its duration at the target rate
(plus the filters' few samples), and the converter keeps at most ``MAX_SOURCE_RATES``
filters whatever the mix.
"""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from rtvi_core.audio import INPUT_SAMPLE_RATES, MAX_INPUT_CHANNELS, AudioFormatError, RateConverter, check_input_format
from rtvi_core.audio.rate_converter import MAX_SOURCE_RATES

any_rate = st.one_of(st.sampled_from(INPUT_SAMPLE_RATES), st.integers(min_value=-(1 << 40), max_value=1 << 40))
any_channels = st.integers(min_value=-3, max_value=1 << 33)


@given(any_rate, any_channels)
def test_property_the_format_check_accepts_exactly_the_documented_formats(rate: int, channels: int) -> None:
    allowed = rate in INPUT_SAMPLE_RATES and 1 <= channels <= MAX_INPUT_CHANNELS
    try:
        check_input_format(rate, channels)
    except AudioFormatError as exc:
        assert not allowed
        assert exc.field in ("sample_rate", "num_channels") and str(exc).startswith(f"{exc.field} ")
    else:
        assert allowed


@given(
    st.sampled_from(INPUT_SAMPLE_RATES),
    st.integers(min_value=1, max_value=MAX_INPUT_CHANNELS),
    st.lists(st.tuples(st.sampled_from(INPUT_SAMPLE_RATES), st.integers(min_value=0, max_value=4000)), max_size=12),
)
def test_property_converted_audio_is_bounded_by_its_duration(
    target: int, channels: int, chunks: list[tuple[int, int]]
) -> None:
    converter = RateConverter(target, channels)
    frame_bytes = 2 * channels
    expected_frames = 0.0
    out_bytes = 0
    for rate, frames in chunks:
        out = converter.convert(bytes(frames * frame_bytes), rate)
        assert len(out) % frame_bytes == 0
        out_bytes += len(out)
        expected_frames += frames * target / rate
        assert len(converter._resamplers) <= MAX_SOURCE_RATES
    out_bytes += len(converter.flush())
    assert out_bytes <= frame_bytes * (expected_frames + 64 * len(chunks))
