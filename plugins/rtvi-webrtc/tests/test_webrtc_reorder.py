"""The microphone's reorder buffer: in order at once, gaps waited out briefly, bad sequences dropped."""

from __future__ import annotations

from rtvi_webrtc.reorder import Release, ReorderBuffer

SSRC = 1234


def p(seq: int) -> bytes:
    return f"p{seq}".encode()


def test_packets_in_order_are_released_at_once() -> None:
    buffer = ReorderBuffer(0.06)
    for seq in range(100, 105):
        assert buffer.push(SSRC, seq, p(seq), 0.0) == [Release(0, p(seq))]
    assert buffer.deadline is None


def test_a_packet_reordered_within_the_window_is_put_back_in_place() -> None:
    buffer = ReorderBuffer(0.06)
    assert buffer.push(SSRC, 1, p(1), 0.0) == [Release(0, p(1))]
    assert buffer.push(SSRC, 3, p(3), 0.02) == []  # 2 is missing: 3 waits
    assert buffer.push(SSRC, 4, p(4), 0.04) == []
    assert buffer.deadline == 0.08
    assert buffer.push(SSRC, 2, p(2), 0.045) == [Release(0, p(2)), Release(0, p(3)), Release(0, p(4))]
    assert buffer.held == 0 and buffer.deadline is None


def test_a_lost_packet_is_given_up_when_the_window_ends() -> None:
    buffer = ReorderBuffer(0.06)
    buffer.push(SSRC, 1, p(1), 0.0)
    assert buffer.push(SSRC, 3, p(3), 0.02) == []
    assert buffer.expire(0.05) == []  # still within the window
    assert buffer.expire(0.08) == [Release(1, p(3))]  # the timer's call: 2 is concealed before 3
    assert buffer.push(SSRC, 2, p(2), 0.09) == []  # too late now: dropped
    assert buffer.push(SSRC, 4, p(4), 0.10) == [Release(0, p(4))]
    assert buffer.dropped == 1


def test_a_later_packet_past_the_window_gives_up_the_gap_too() -> None:
    buffer = ReorderBuffer(0.06)
    buffer.push(SSRC, 1, p(1), 0.0)
    buffer.push(SSRC, 4, p(4), 0.06)  # 2 and 3 missing
    assert buffer.push(SSRC, 5, p(5), 0.12) == [Release(2, p(4)), Release(0, p(5))]


def test_too_many_held_packets_give_up_the_gap_before_the_window_ends() -> None:
    buffer = ReorderBuffer(1.0, max_held=3)
    buffer.push(SSRC, 1, p(1), 0.0)
    assert [buffer.push(SSRC, seq, p(seq), 0.0) for seq in (3, 4, 5)] == [[], [], []]
    assert buffer.push(SSRC, 6, p(6), 0.0) == [Release(1, p(3)), *(Release(0, p(seq)) for seq in (4, 5, 6))]


def test_no_window_conceals_at_once() -> None:
    buffer = ReorderBuffer(0.0)
    buffer.push(SSRC, 1, p(1), 0.0)
    assert buffer.push(SSRC, 3, p(3), 0.0) == [Release(1, p(3))]
    assert buffer.push(SSRC, 2, p(2), 0.0) == []


def test_duplicates_are_dropped_released_or_held() -> None:
    buffer = ReorderBuffer(0.06)
    buffer.push(SSRC, 1, p(1), 0.0)
    assert buffer.push(SSRC, 1, p(1), 0.0) == []
    buffer.push(SSRC, 3, p(3), 0.0)
    assert buffer.push(SSRC, 3, p(3), 0.0) == []
    assert buffer.dropped == 2 and buffer.held == 1


def test_sequence_numbers_wrap_at_65535() -> None:
    buffer = ReorderBuffer(0.06)
    assert buffer.push(SSRC, 65534, p(65534), 0.0) == [Release(0, p(65534))]
    assert buffer.push(SSRC, 0, p(0), 0.0) == []  # 65535 missing
    assert buffer.push(SSRC, 65535, p(65535), 0.0) == [Release(0, p(65535)), Release(0, p(0))]
    assert buffer.push(SSRC, 2, p(2), 0.0) == []
    assert buffer.expire(1.0) == [Release(1, p(2))]
    assert buffer.push(SSRC, 65535, p(65535), 1.0) == []  # late, across the wrap
    assert buffer.resets == 0


def test_a_new_ssrc_or_a_big_jump_starts_a_new_stream() -> None:
    buffer = ReorderBuffer(0.06)
    buffer.push(SSRC, 10, p(10), 0.0)
    buffer.push(SSRC, 12, p(12), 0.0)  # held behind 11
    assert buffer.push(SSRC + 1, 500, p(500), 0.0) == [Release(0, p(500))]  # a reconnect: nothing concealed
    assert buffer.held == 0 and buffer.deadline is None
    assert buffer.push(SSRC + 1, 30000, p(30000), 0.0) == [Release(0, p(30000))]  # far ahead
    assert buffer.push(SSRC + 1, 29000, p(29000), 0.0) == [Release(0, p(29000))]  # far behind
    assert buffer.push(SSRC + 1, 29001, p(29001), 0.0) == [Release(0, p(29001))]
    assert buffer.resets == 3
