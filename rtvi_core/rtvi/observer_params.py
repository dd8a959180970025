"""``RTVIObserverParams``: which RTVI events the observer sends, and how."""

from __future__ import annotations

import enum
from collections.abc import Awaitable, Callable, Mapping
from typing import TYPE_CHECKING, Any

from ..records import field, record

if TYPE_CHECKING:
    from ..processor import FrameProcessor


class FunctionCallReportLevel(str, enum.Enum):
    """How much of a tool call the ``llm-function-call-*`` events reveal."""

    DISABLED = "disabled"  #: no events for the function
    NONE = "none"  #: events without name, arguments or result
    NAME = "name"  #: adds ``function_name``
    ARGUMENTS = "arguments"  #: adds ``function_name`` and ``arguments``, no result
    FULL = "full"  #: adds ``function_name``, ``arguments`` and (non-empty) ``result``


#: Pipecat's name for :class:`FunctionCallReportLevel`.
RTVIFunctionCallReportLevel = FunctionCallReportLevel

#: ``async fn(text, aggregated_by, accumulated_text, remaining_text) -> {text, ...}``, or the
#: deprecated ``async fn(text, aggregated_by) -> str``.
BotOutputTransform = Callable[..., Awaitable[Any]]


def _default_report_level() -> dict[str, FunctionCallReportLevel]:
    return {"*": FunctionCallReportLevel.NONE}


def normalize_report_levels(
    levels: Mapping[str, FunctionCallReportLevel | str],
) -> dict[str, FunctionCallReportLevel]:
    """``levels`` with :class:`FunctionCallReportLevel` values (ValueError for unknown strings)."""
    return {name: FunctionCallReportLevel(level) for name, level in levels.items()}


@record(eq=True)
class RTVIObserverParams:
    """Switches of the RTVI observer (spec §14.1); every flag gates the events it names.

    * ``bot_output_enabled``: ``bot-output``.
    * ``bot_llm_enabled``: ``bot-llm-started``/``-text``/``-stopped`` and ``bot-transcription``.
    * ``bot_tts_enabled``: ``bot-tts-started``/``-text``/``-stopped``.
    * ``bot_speaking_enabled``: ``bot-started``/``-stopped-speaking``, ``bot-interrupted``.
    * ``bot_audio_level_enabled`` / ``user_audio_level_enabled``: periodic audio levels,
      at most one per ``audio_level_period_secs``.
    * ``user_llm_enabled``: ``user-llm-text``; ``user_speaking_enabled``:
      ``user-started``/``-stopped-speaking``; ``vad_user_speaking_enabled``:
      ``vad-user-*`` (changeable at run time); ``user_mute_enabled``: ``user-mute-*``;
      ``user_transcription_enabled``: ``user-transcription``; ``user_input_enabled``:
      ``user-input`` for each transcription (interim ones too) and ``send-text``.
    * ``stt_raw_text_enabled`` / ``llm_raw_text_enabled`` / ``tts_raw_text_enabled`` (off):
      ``stt-raw-text`` / ``llm-raw-text`` / ``tts-raw-text``, to clients of protocol
      2.2.0 or later only.
    * ``metrics_enabled``: ``metrics``; ``system_logs_enabled``: ``system-log`` for every
      line logged by the ``rtvi_core`` loggers.
    * ``ignored_sources``: processors whose frames are not reported at all.
    * ``skip_aggregator_types``: aggregation types kept out of ``bot-output`` and
      ``bot-tts-text``.
    * ``bot_output_transforms``: ``(aggregation type or "*", async transform)`` pairs
      applied to the text sent in ``bot-output``/``bot-tts-text``.
    * ``function_call_report_level``: function name (or ``"*"``) → report level
      (changeable at run time).
    """

    bot_output_enabled: bool = True
    bot_llm_enabled: bool = True
    bot_tts_enabled: bool = True
    bot_speaking_enabled: bool = True
    bot_audio_level_enabled: bool = False
    user_llm_enabled: bool = True
    user_speaking_enabled: bool = True
    vad_user_speaking_enabled: bool = False
    user_mute_enabled: bool = True
    user_transcription_enabled: bool = True
    user_input_enabled: bool = True
    user_audio_level_enabled: bool = False
    metrics_enabled: bool = True
    system_logs_enabled: bool = False
    stt_raw_text_enabled: bool = False
    llm_raw_text_enabled: bool = False
    tts_raw_text_enabled: bool = False
    ignored_sources: list[FrameProcessor] = field(default_factory=list)
    skip_aggregator_types: list[str] | None = None
    bot_output_transforms: list[tuple[str, BotOutputTransform]] | None = None
    audio_level_period_secs: float = 0.15
    function_call_report_level: dict[str, FunctionCallReportLevel] = field(default_factory=_default_report_level)
