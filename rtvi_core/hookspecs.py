"""The hooks a plugin may implement: the whole extension surface of rtvi_core.

A plugin is a module named by an entry point in the ``rtvi`` group. Its functions
marked ``@hookimpl`` and named like a spec below are its hooks. Each
``rtvi_register_<kind>`` hook fires once, when the plugin manager loads the plugin,
with a ``register`` callable: call ``register(cls)`` once per component. A component
carries ``PLUGIN_NAME`` (unique within its kind), ``Config`` (a pydantic model of its
bot-file parameters) and ``DESCRIPTION`` (see :class:`rtvi_core.plugins.Component`).
The return value of every hook is ignored. A plugin whose hook raises is not loaded;
a name another plugin already took is refused (the first registration is kept).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import pluggy

if TYPE_CHECKING:
    from .actions import Action
    from .observers import BaseObserver
    from .processor import FrameProcessor
    from .server.cluster import ClusterMember
    from .server.extensions import ServerExtension
    from .server.server import SessionServer
    from .services.llm import LLMService
    from .services.serializer import FrameSerializer
    from .services.stt import STTService
    from .services.transport import BaseTransport
    from .services.tts import TTSService
    from .services.turn_analyzer import TurnAnalyzer
    from .services.vad import VADAnalyzer

hookspec = pluggy.HookspecMarker("rtvi")
#: Marks a plugin's hook functions: ``@hookimpl def rtvi_register_llm(register): ...``.
hookimpl = pluggy.HookimplMarker("rtvi")


@hookspec
def rtvi_register_transports(register: Callable[[type[BaseTransport]], None]) -> None:
    """On load: register transport classes (``[transport] use = "<name>"``)."""


@hookspec
def rtvi_register_serializers(register: Callable[[type[FrameSerializer]], None]) -> None:
    """On load: register frame serializers (the wire format of a transport)."""


@hookspec
def rtvi_register_vad(register: Callable[[type[VADAnalyzer]], None]) -> None:
    """On load: register voice activity analyzers."""


@hookspec
def rtvi_register_turn_analyzers(register: Callable[[type[TurnAnalyzer]], None]) -> None:
    """On load: register turn analyzers (``[turn] use = "<name>"``): what ends a user's turn at a pause."""


@hookspec
def rtvi_register_stt(register: Callable[[type[STTService]], None]) -> None:
    """On load: register speech-to-text services."""


@hookspec
def rtvi_register_llm(register: Callable[[type[LLMService]], None]) -> None:
    """On load: register LLM services."""


@hookspec
def rtvi_register_tts(register: Callable[[type[TTSService]], None]) -> None:
    """On load: register text-to-speech services."""


@hookspec
def rtvi_register_actions(register: Callable[[Action], None]) -> None:
    """On load: register :class:`~rtvi_core.actions.Action` objects (made with ``@action``)."""


@hookspec
def rtvi_register_observers(register: Callable[[type[BaseObserver]], None]) -> None:
    """On load: register pipeline observers a bot file can switch on."""


@hookspec
def rtvi_register_processors(register: Callable[[type[FrameProcessor]], None]) -> None:
    """On load: register frame processors a bot file can add to its pipeline."""


@hookspec
def rtvi_register_clusters(register: Callable[[type[ClusterMember]], None]) -> None:
    """On load: register cluster memberships (``[cluster] use = "<name>"``, ``rtvi run --cluster``).

    A class whose instance, built from the bot file's ``[cluster]`` table, is a
    :class:`~rtvi_core.server.cluster.ClusterMember`: the session server consults it for
    ``/start`` (dispatch), session tokens, session starts and ends, drain and ``/health``."""


@hookspec
def rtvi_register_cli_commands(register: Callable[[Any], None]) -> None:
    """On load: register ``rtvi`` sub-commands: objects with ``name``,
    ``register(subparsers) -> ArgumentParser`` and ``run(args) -> int``."""


@hookspec
def rtvi_session_started(session: Any) -> None:
    """``rtvi run`` built a session's pipeline and is about to run it. An exception
    is logged against the plugin; the session goes on."""


@hookspec
def rtvi_session_ended(session: Any) -> None:
    """A session of ``rtvi run`` ended (normally, cancelled or failed). An exception
    is logged against the plugin."""


@hookspec
def rtvi_server_extensions(server: SessionServer, register: Callable[[ServerExtension], None]) -> None:
    """A bot file's session server (``rtvi run`` of a served transport, ``loopback_server``) was
    built and does not listen yet: register :class:`~rtvi_core.server.extensions.ServerExtension`
    objects for it — their routes are served after the frontends', and they hear the server's
    events (sessions started and ended, requests answered). Fires once per server;
    ``server.sessions.config`` is the bot file. An exception is logged against the plugin,
    and the server goes on without what it had not registered yet."""
