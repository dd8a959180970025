"""The bot file's structure as pydantic models (every table rejects unknown keys).

A component table (``[transport]``, ``[vad]``, ``[stt]``, ``[llm]``, ``[tts]``, each
``[[actions]]`` and ``[[processors]]`` entry) names its plugin with ``use``; its other
keys are that plugin's parameters, kept in :attr:`ComponentTable.params` here and
checked against the plugin's ``Config`` by :mod:`rtvi_core.config.loader`.
"""

from __future__ import annotations

import sys
from typing import Any, Literal, Mapping

from pydantic import BaseModel, ConfigDict, Field, create_model, model_validator

from ..params import PipelineParams
from ..records import MISSING
from ..rtvi.observer_params import FunctionCallReportLevel, RTVIObserverParams

#: The report levels as bot-file strings: disabled, none, name, arguments, full.
ReportLevel = Literal[tuple(level.value for level in FunctionCallReportLevel)]  # type: ignore[valid-type]
ProcessorPosition = Literal["after_input", "before_llm", "after_llm", "after_tts"]

#: Component sections of the bot file → the plugin kind their ``use`` names.
SECTION_KINDS: dict[str, str] = {
    "transport": "transports",
    "vad": "vad",
    "stt": "stt",
    "llm": "llm",
    "tts": "tts",
    "actions": "actions",
    "processors": "processors",
}


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class BotSection(_Strict):
    """``[bot]``: the bot as a whole."""

    name: str = Field("rtvi-bot", description="The bot's name: names its pipeline task in logs.")
    host: str = Field("127.0.0.1", description="Reserved: address the network transport listens on.")
    port: int = Field(7860, ge=0, le=65535, description="Reserved: port the network transport listens on.")
    system_prompt: str | None = Field(None, description="The LLM context's first (system) message.")
    speak_first: bool = Field(True, description="Run the LLM once the client is ready (the bot greets).")
    local_actions: list[str] = Field(
        default_factory=list,
        description="Project modules (dotted names or .py paths, relative to the bot file) "
        "whose actions [[actions]] may use. Trusted code: they are imported and run.",
    )


class ComponentTable(_Strict):
    """A component table: ``use`` (the plugin name) and the plugin's parameters."""

    use: str = Field(description="The plugin name.")
    params: dict[str, Any] = Field(default_factory=dict, description="The plugin's parameters.")

    @model_validator(mode="before")
    @classmethod
    def _split_params(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            return data
        params = {key: value for key, value in data.items() if key not in cls._own_keys()}
        return {key: data[key] for key in cls._own_keys() if key in data} | {"params": params}

    @classmethod
    def _own_keys(cls) -> tuple[str, ...]:
        return tuple(name for name in cls.model_fields if name != "params")


class ProcessorTable(ComponentTable):
    """A ``[[processors]]`` entry: an extra processor and where it goes."""

    position: ProcessorPosition = Field(
        "before_llm",
        description="after_input (before STT), before_llm (after the user aggregator), "
        "after_llm (before TTS) or after_tts (before the output transport).",
    )


def _section_from_record(
    name: str,
    doc: str,
    source: type,
    *,
    code_only: frozenset[str] = frozenset(),
    types: Mapping[str, Any] | None = None,
    fields: Mapping[str, dict[str, Any]] | None = None,
) -> type[_Strict]:
    """A table model with the fields of the ``@record`` class ``source``, in its order and
    with its defaults (validated as bot-file values), so a new setting there is a new
    bot-file key at once.

    ``code_only`` names fields that hold Python objects (left out); ``types`` gives a
    field the bot file's own type, ``fields`` extra ``Field`` arguments (constraints,
    description).
    """
    namespace = vars(sys.modules[source.__module__])
    table: dict[str, Any] = {}
    for spec in source.__record_fields__:  # type: ignore[attr-defined]
        if spec.name in code_only:
            continue
        annotation = (types or {}).get(spec.name)
        if annotation is None:  # our own annotation, a string under PEP 563
            annotation = eval(source.__annotations__[spec.name], namespace)  # noqa: S307
        extra = dict((fields or {}).get(spec.name, {}))
        if spec.factory is not MISSING:
            extra["default_factory"] = spec.factory
        elif spec.default is not MISSING:
            extra["default"] = spec.default
        table[spec.name] = (annotation, Field(validate_default=True, **extra))
    return create_model(name, __base__=_Strict, __doc__=doc, __module__=__name__, **table)


RTVIObserverSection = _section_from_record(
    "RTVIObserverSection",
    "``[rtvi.observer]``: which RTVI events are sent (RTVIObserverParams).",
    RTVIObserverParams,
    code_only=frozenset({"ignored_sources", "bot_output_transforms"}),  # processors, callables
    types={"function_call_report_level": dict[str, ReportLevel]},
    fields={
        "audio_level_period_secs": {"gt": 0},
        "function_call_report_level": {
            "description": 'Function name (or "*") → disabled, none, name, arguments or full.'
        },
    },
)

PipelineSection = _section_from_record(
    "PipelineSection",
    "``[rtvi.pipeline]``: settings of each session's run (PipelineParams).",
    PipelineParams,
    fields=dict.fromkeys(
        ("audio_in_sample_rate", "audio_out_sample_rate", "start_timeout_secs", "cancel_timeout_secs"), {"gt": 0}
    ),
)


class RTVISection(_Strict):
    """``[rtvi]``: the RTVI observer and the pipeline settings."""

    observer: RTVIObserverSection = Field(default_factory=RTVIObserverSection)
    pipeline: PipelineSection = Field(default_factory=PipelineSection)


class BotFile(_Strict):
    """A whole bot file. Only ``[llm]`` is required; ``[transport]`` defaults to ``memory``."""

    bot: BotSection = Field(default_factory=BotSection)
    transport: ComponentTable = Field(default_factory=lambda: ComponentTable(use="memory"))
    vad: ComponentTable | None = None
    stt: ComponentTable | None = None
    llm: ComponentTable
    tts: ComponentTable | None = None
    actions: list[ComponentTable] = Field(default_factory=list)
    processors: list[ProcessorTable] = Field(default_factory=list)
    rtvi: RTVISection = Field(default_factory=RTVISection)
