"""The bot file's structure as pydantic models (every table rejects unknown keys).

A component table (``[transport]``, ``[vad]``, ``[stt]``, ``[llm]``, ``[tts]``, each
``[[actions]]`` and ``[[processors]]`` entry) names its plugin with ``use``; its other
keys are that plugin's parameters, kept in :attr:`ComponentTable.params` here and
checked against the plugin's ``Config`` by :mod:`rtvi_core.config.loader`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Literal

from pydantic import Field, model_validator

from ..params import PipelineParams
from ..record_model import StrictModel, model_from_record
from ..rtvi.observer_params import FunctionCallReportLevel, RTVIObserverParams

ProcessorPosition = Literal["after_input", "before_llm", "after_llm", "after_tts"]

#: Component sections of the bot file → the plugin kind their ``use`` names.
SECTION_KINDS: dict[str, str] = {
    "transport": "transports",
    "vad": "vad",
    "turn": "turn_analyzers",
    "stt": "stt",
    "llm": "llm",
    "tts": "tts",
    "actions": "actions",
    "processors": "processors",
    "cluster": "clusters",
}


class BotSection(StrictModel):
    """``[bot]``: the bot as a whole."""

    name: str = Field(default="rtvi-bot", description="The bot's name: names its pipeline task in logs.")
    host: str = Field(default="127.0.0.1", description="Reserved: address the network transport listens on.")
    port: int = Field(default=7860, ge=0, le=65535, description="Reserved: port the network transport listens on.")
    system_prompt: str | None = Field(default=None, description="The LLM context's first (system) message.")
    speak_first: bool = Field(default=True, description="Run the LLM once the client is ready (the bot greets).")
    local_actions: list[str] = Field(
        default_factory=list,
        description="Project modules (dotted names or .py paths, relative to the bot file) "
        "whose actions [[actions]] may use. Trusted code: they are imported and run.",
    )


class ComponentTable(StrictModel):
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


class TransportTable(ComponentTable):
    """``[transport]``: the transport plugin, its parameters, and the transports served beside it."""

    #: Names or tables, checked by the loader (which names the entry at fault).
    also_serve: list[Any] = Field(
        default_factory=list,
        description="Other transports served on the same port for clients that ask for them "
        '(POST /start {"transport": name}; the playground\'s transport switch): a name ("webrtc") or a '
        'table {use = "webrtc", ...its own keys}. The keys [transport] has apply to all of them.',
    )


class ClusterTable(ComponentTable):
    """``[cluster]``: the cluster this bot's server joins as a worker (``rtvi run --cluster URL`` too)."""

    use: str = Field(default="redis", description="The cluster plugin.")


class ProcessorTable(ComponentTable):
    """A ``[[processors]]`` entry: an extra processor and where it goes."""

    position: ProcessorPosition = Field(
        default="before_llm",
        description="after_input (before STT), before_llm (after the user aggregator), "
        "after_llm (before TTS) or after_tts (before the output transport).",
    )


if TYPE_CHECKING:
    # What type checkers see of the two tables whose keys are derived from a record at run time.

    class RTVIObserverSection(StrictModel):
        """``[rtvi.observer]``: which RTVI events are sent (RTVIObserverParams)."""

    class PipelineSection(StrictModel):
        """``[rtvi.pipeline]``: settings of each session's run (PipelineParams)."""

else:
    #: The report levels as bot-file strings: disabled, none, name, arguments, full.
    ReportLevel = Literal[tuple(level.value for level in FunctionCallReportLevel)]

    RTVIObserverSection = model_from_record(
        RTVIObserverParams,
        "RTVIObserverSection",
        "``[rtvi.observer]``: which RTVI events are sent (RTVIObserverParams).",
        exclude=("ignored_sources", "bot_output_transforms"),  # processors, callables
        types={"function_call_report_level": dict[str, ReportLevel]},
        fields={
            "audio_level_period_secs": {"gt": 0},
            "function_call_report_level": {
                "description": 'Function name (or "*") → disabled, none, name, arguments or full.'
            },
        },
    )

    PipelineSection = model_from_record(
        PipelineParams,
        "PipelineSection",
        "``[rtvi.pipeline]``: settings of each session's run (PipelineParams).",
        fields={
            **{key: {"ge": 8000, "le": 48000} for key in ("audio_in_sample_rate", "audio_out_sample_rate")},
            **{key: {"gt": 0} for key in ("start_timeout_secs", "cancel_timeout_secs")},
        },
    )


class MetricsSection(StrictModel):
    """``[metrics]``: the ``GET /metrics`` endpoint a metrics plugin (``rtvi-prometheus``) adds to the server."""

    enabled: bool = Field(
        default=True,
        description="Serve GET /metrics when a metrics plugin is installed (false: 404, nothing measured).",
    )
    token: str | None = Field(
        default=None,
        min_length=16,
        description='GET /metrics requires "Authorization: Bearer <token>" (>= 16 chars; e.g. "${env:RTVI_METRICS_TOKEN}").',
    )


class RTVISection(StrictModel):
    """``[rtvi]``: the RTVI observer and the pipeline settings."""

    observer: RTVIObserverSection = Field(default_factory=RTVIObserverSection)
    pipeline: PipelineSection = Field(default_factory=PipelineSection)


class BotFile(StrictModel):
    """A whole bot file. Only ``[llm]`` is required; ``[transport]`` defaults to ``memory``."""

    bot: BotSection = Field(default_factory=BotSection)
    transport: TransportTable = Field(default_factory=lambda: TransportTable(use="memory"))
    vad: ComponentTable | None = None
    turn: ComponentTable | None = None
    stt: ComponentTable | None = None
    llm: ComponentTable
    tts: ComponentTable | None = None
    actions: list[ComponentTable] = Field(default_factory=list)
    processors: list[ProcessorTable] = Field(default_factory=list)
    cluster: ClusterTable | None = None
    rtvi: RTVISection = Field(default_factory=RTVISection)
    metrics: MetricsSection = Field(default_factory=MetricsSection)
