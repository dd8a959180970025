"""The wire differences between Pipecat 1.14 and rtvi_core that the conformance table documents.

Each :class:`Difference` has the key its row in ``docs/rtvi-conformance.md`` names and a
``normalise`` function that rewrites one message (or drops it, returning None) so that
the difference disappears on both sides. :func:`undocumented` compares two recorded
steps: what differs before normalising, which documented differences were involved,
and what still differs once every documented difference is normalised away.
"""

from __future__ import annotations

import difflib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

DOC = Path(__file__).resolve().parents[2] / "docs" / "rtvi-conformance.md"

Message = dict[str, Any]


@dataclass(frozen=True)
class Difference:
    """A documented difference: a one-line summary and how to normalise it away."""

    summary: str
    normalise: Callable[[Message], Message | None]


KNOWN: dict[str, Difference] = {}


@dataclass
class Comparison:
    """The outcome of :func:`undocumented` for one step."""

    diff: list[str] = field(default_factory=list)
    explained: set[str] = field(default_factory=set)
    remaining: list[str] = field(default_factory=list)


def _lines(messages: list[Message]) -> list[str]:
    return [json.dumps({k: v for k, v in m.items() if k != "label"}, sort_keys=True) for m in messages]


def _diff(theirs: list[Message], ours: list[Message]) -> list[str]:
    return [
        line
        for line in difflib.ndiff(_lines(theirs), _lines(ours))
        if line.startswith(("- ", "+ "))
    ]


def _apply(normalise: Callable[[Message], Message | None], messages: list[Message]) -> list[Message]:
    out = []
    for message in messages:
        message = normalise(json.loads(json.dumps(message)))
        if message is not None:
            out.append(message)
    return out


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
