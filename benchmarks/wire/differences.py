"""The wire differences between Pipecat 1.14 and rtvi_core that the conformance table documents.

Each :class:`Difference` has the key its row in ``docs/rtvi-conformance.md`` names and a
``normalise`` function that rewrites a step's messages so that the difference
disappears on both sides. :func:`undocumented` compares two recorded steps: what
differs before normalising, which documented differences were involved, and what
still differs once every documented difference is normalised away.
"""

from __future__ import annotations

import difflib
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

DOC = Path(__file__).resolve().parents[2] / "docs" / "rtvi-conformance.md"

Message = dict[str, Any]


@dataclass(frozen=True)
class Difference:
    """A documented difference: a one-line summary and how to normalise it away."""

    summary: str
    normalise: Callable[[list[Message]], list[Message]]


def _about(messages: list[Message]) -> list[Message]:
    for message in messages:
        if message.get("type") == "bot-ready":
            message["data"]["about"] = "<about>"
    return messages


def _move_after(messages: list[Message], moved: str, anchor: str) -> list[Message]:
    """Each ``moved`` message put right after the last ``anchor`` message before it."""
    out: list[Message] = []
    for message in messages:
        if message.get("type") == moved:
            anchors = [i for i, m in enumerate(out) if m.get("type") == anchor]
            if anchors:
                out.insert(anchors[-1] + 1, message)
                continue
        out.append(message)
    return out


def _move_before(messages: list[Message], moved: str, anchor: str) -> list[Message]:
    """Each ``moved`` message put right before the next ``anchor`` message after it."""
    return _move_after(messages[::-1], moved, anchor)[::-1]


KNOWN: dict[str, Difference] = {
    "about-library": Difference(
        "bot-ready data.about names rtvi-core and its version, not pipecat-ai",
        _about,
    ),
    "tts-stopped-order": Difference(
        "bot-tts-stopped marks the end of synthesis: where it falls among the playback events "
        "(bot-started-speaking, bot-output) depends on how fast the TTS runs",
        lambda messages: _move_before(messages, "bot-tts-stopped", "bot-stopped-speaking"),
    ),
    "tool-call-order": Difference(
        "llm-function-call-in-progress comes before bot-llm-stopped (rtvi_core announces the "
        "call with the response; Pipecat starts it in a task after the response ends)",
        lambda messages: _move_after(messages, "llm-function-call-in-progress", "llm-function-call-started"),
    ),
}


@dataclass
class Comparison:
    """The outcome of :func:`undocumented` for one step."""

    diff: list[str] = field(default_factory=list)
    explained: set[str] = field(default_factory=set)
    remaining: list[str] = field(default_factory=list)


def _lines(messages: list[Message]) -> list[str]:
    return [json.dumps({k: v for k, v in m.items() if k != "label"}, sort_keys=True) for m in messages]


def _diff(theirs: list[Message], ours: list[Message]) -> list[str]:
    return [line for line in difflib.ndiff(_lines(theirs), _lines(ours)) if line.startswith(("- ", "+ "))]


def _apply(normalise: Callable[[list[Message]], list[Message]], messages: list[Message]) -> list[Message]:
    return normalise(json.loads(json.dumps(messages)))


def undocumented(theirs: list[Message], ours: list[Message]) -> Comparison:
    """Compare Pipecat's messages (``theirs``) with rtvi_core's (``ours``) for one step."""
    result = Comparison(diff=_diff(theirs, ours))
    if not result.diff:
        return result
    for key, difference in KNOWN.items():
        new_theirs, new_ours = _apply(difference.normalise, theirs), _apply(difference.normalise, ours)
        if new_theirs != theirs or new_ours != ours:
            result.explained.add(key)
        theirs, ours = new_theirs, new_ours
    result.remaining = _diff(theirs, ours)
    return result
