"""Build one session's pipeline from a validated bot file.

The chain is::

    transport.input() → [after_input processors] → [stt] → [user turns] → user aggregator
      → [before_llm processors] → llm → [after_llm processors] → [tts]
      → [after_tts processors] → transport.output() → assistant aggregator

with the VAD analyzer set on the transport's params (with a ``[turn]`` analyzer, a
:class:`~rtvi_core.services.user_turns.UserTurnProcessor` after the STT makes the user
turns instead of the transport's VAD), the system prompt as the
context's first message, the ``[rtvi.*]`` settings on the task and an
:class:`~rtvi_core.actions.ActionDispatcher` answering ``client-message`` requests.
Every call builds fresh components, so each session gets its own.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..actions import ActionDispatcher
from ..frames import LLMRunFrame
from ..params import PipelineParams
from ..pipeline import Pipeline
from ..processor import FrameProcessor
from ..rtvi.observer_params import RTVIObserverParams, normalize_report_levels
from ..services.llm import LLMService
from ..services.llm_aggregators import LLMContextAggregatorPair
from ..services.llm_context import LLMContext
from ..services.transport import BaseTransport
from ..services.user_turns import UserTurnProcessor
from ..task import PipelineTask
from .loader import BotConfig

_POSITIONS = ("after_input", "before_llm", "after_llm", "after_tts")


@dataclass
class BotSession:
    """One session of a bot file: the task to run and its main parts.

    ``components`` maps each component's key path (``stt``, ``tts``,
    ``processors[0]``, ...) to its instance; ``dispatcher`` answers the session's
    ``client-message`` requests (and is handed this session as ``ctx.session``);
    ``data`` holds what the transport learns about its client (a phone call's
    caller, call id and custom parameters, as ``data["call"]``).
    This object is what the ``rtvi_session_started``/``rtvi_session_ended`` hooks
    receive.
    """

    config: BotConfig
    task: PipelineTask
    transport: BaseTransport
    llm: LLMService
    context: LLMContext
    components: dict[str, Any] = field(default_factory=dict)
    data: dict[str, Any] = field(default_factory=dict)
    dispatcher: ActionDispatcher = field(init=False)

    @property
    def name(self) -> str:
        """The bot's name (``[bot] name``)."""
        return self.config.model.bot.name


def build_session(config: BotConfig, transport_name: str | None = None) -> BotSession:
    """A new session (task, transport, LLM, context, actions) for ``config``.

    ``transport_name``: one of the transports it serves (``[transport] also_serve``); None:
    its own. KeyError for a transport it does not serve.
    """
    bot, rtvi = config.model.bot, config.model.rtvi
    components: dict[str, Any] = {}
    transport = config.transport_named(transport_name).create()
    components["transport"] = transport
    if config.vad is not None:
        components["vad"] = transport.params.vad_analyzer = config.vad.create()
    for spec in (config.stt, config.llm, config.tts):
        if spec is not None:
            components[spec.path] = spec.create()
    user_turns: list[FrameProcessor] = []
    if config.turn is not None:
        components["turn"] = analyzer = config.turn.create()
        transport.input().vad_user_turns = False
        user_turns.append(UserTurnProcessor(analyzer))
    extra: dict[str, list[FrameProcessor]] = {position: [] for position in _POSITIONS}
    for spec in config.processors:
        components[spec.path] = processor = spec.create()
        extra[spec.position or "before_llm"].append(processor)

    messages = [{"role": "system", "content": bot.system_prompt}] if bot.system_prompt else []
    context = LLMContext(messages)
    aggregators = LLMContextAggregatorPair(context)
    llm: LLMService = components["llm"]
    chain: list[FrameProcessor] = [
        transport.input(),
        *extra["after_input"],
        *([components["stt"]] if "stt" in components else []),
        *user_turns,
        aggregators.user(),
        *extra["before_llm"],
        llm,
        *extra["after_llm"],
        *([components["tts"]] if "tts" in components else []),
        *extra["after_tts"],
        transport.output(),
        aggregators.assistant(),
    ]
    observer = rtvi.observer.model_dump()
    observer["function_call_report_level"] = normalize_report_levels(observer["function_call_report_level"])
    task = PipelineTask(
        Pipeline(chain),
        params=PipelineParams(**rtvi.pipeline.model_dump()),
        rtvi_observer_params=RTVIObserverParams(**observer),
        name=bot.name,
    )
    session = BotSession(config, task, transport, llm, context, components)
    session.dispatcher = ActionDispatcher(
        [spec.create() for spec in config.actions], llm=llm, context=context, session=session
    )
    session.dispatcher.attach(task)
    if bot.speak_first:

        async def greet(_rtvi: Any) -> None:
            await task.queue_frames([LLMRunFrame()])

        task.rtvi.add_event_handler("on_client_ready", greet)
    return session
