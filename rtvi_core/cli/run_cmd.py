"""``rtvi run [FILE] [--host H] [--port P] [--cluster URL]``: run a bot file, one pipeline per session.

A bot whose transport hosts sessions itself (``websocket``, from rtvi-websocket)
is served on ``host:port`` — the ``[bot]`` table's values, overridden by the
flags — until SIGTERM/SIGINT (see :mod:`rtvi_core.serving`). A bot on the
``memory`` transport runs one session in console mode: the terminal is the
client (see :mod:`rtvi_core.cli.console`). Without FILE the built-in bot runs:
served over WebSocket (with the playground page) when rtvi-websocket is
installed, else the console echo bot. ``--cluster URL`` makes the server a worker of the
cluster whose Redis is at URL (``[cluster] redis_url``; see docs/scaling.md).
"""

from __future__ import annotations

import argparse
import functools
import logging
import sys
from typing import Any

from ..plugins.catalogue import install_command
from .app import EXIT_OK, CommandError

#: Choices of the served default bot, best first: the first installed plugin of each kind.
DEFAULT_VOICE_STACK: dict[str, tuple[str, ...]] = {
    "vad": ("silero", "energy"),
    "stt": ("whisper",),
    "tts": ("piper", "espeak", "tone"),
}

#: What the default bot requires for its best choices, as a package lists its
#: dependencies: the distribution providing each, with the extras its default model
#: needs. Only the bot that wants a plugin can name it while it is not installed; an
#: installed plugin says itself what else a component lacks (``Component.check_installed``).
DEFAULT_VOICE_REQUIREMENTS = {
    "silero": "rtvi-silero",
    "whisper": "rtvi-whisper[tiny-en]",
    "piper": "rtvi-piper[joe]",
}

_SERVED_BOT_HEAD = """\
[bot]
name = "default-bot"
system_prompt = "You are a friendly echo bot."

[transport]
use = "websocket"
{also_serve}
[llm]
use = "echo"
greeting = "Hello! I am the default rtvi bot. Say something or type a message."
token_delay = 0.02
"""

#: With speech-to-text the default bot ends turns by their transcript: the VAD's stop is a
#: short pause at which a whole utterance ends the turn; one that trails off waits longer.
SMART_TURN_VAD = "stop_secs = 0.2\n"
SMART_TURN = '\n[turn]\nuse = "text"\n'


def default_served_bot(registry: Any) -> tuple[str, list[str]]:
    """The bot file ``rtvi run`` serves without a file, and hints for missing plugins.

    Each voice component is the first installed plugin of :data:`DEFAULT_VOICE_STACK`
    (Silero, Whisper, Piper; else the energy VAD, no STT, espeak or the tone TTS); with a
    VAD and an STT, turns end by transcript (:data:`SMART_TURN`). It also
    serves WebRTC when rtvi-webrtc is installed (the playground's transport switch).
    """
    webrtc = registry.find("transports", "webrtc") is not None
    text, hints = _SERVED_BOT_HEAD.format(also_serve='also_serve = ["webrtc"]\n' if webrtc else ""), []
    chosen: dict[str, str] = {}
    for kind, choices in DEFAULT_VOICE_STACK.items():
        installed = [name for name in choices if registry.find(kind, name) is not None]
        if installed:
            chosen[kind] = installed[0]
        if not installed or installed[0] != choices[0]:
            best = choices[0]
            hints.append(f"{kind} {best!r} is not installed ({install_command(DEFAULT_VOICE_REQUIREMENTS[best])})")
    smart_turn = "vad" in chosen and "stt" in chosen
    for kind, name in chosen.items():
        text += f'\n[{kind}]\nuse = "{name}"\n'
        if smart_turn and kind == "vad":
            text += SMART_TURN_VAD
    if smart_turn:
        text += SMART_TURN
    return text, hints


#: The bot ``rtvi run`` runs in the console without a file when nothing can serve it.
DEFAULT_BOT = """\
[bot]
name = "echo-bot"
system_prompt = "You are a friendly echo bot."

[llm]
use = "echo"
token_delay = 0.02
"""

#: Transports whose sessions run in the terminal.
CONSOLE_TRANSPORTS = ("memory",)


def register(subparsers: Any) -> argparse.ArgumentParser:
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "run",
        help="run a bot file: serve it (websocket) or chat with it in the terminal (memory)",
        description="Run a bot file. A bot on the websocket transport is served on HOST:PORT "
        "(POST /start, GET /health, the playground page at /); SIGTERM or Ctrl-C drains it. "
        "A bot on the memory transport runs one session in the terminal: type to it, "
        "/send TYPE [JSON] sends a client-message, /quit ends.",
    )
    parser.add_argument("file", nargs="?", help="the bot file (default: the built-in bot)")
    parser.add_argument("--host", help="address to listen on (default: [bot] host, 127.0.0.1)")
    parser.add_argument(
        "--port", type=port_number, help="port to listen on (default: [bot] port, 7860; 0 = any free port)"
    )
    parser.add_argument(
        "--workers",
        type=_workers,
        default=1,
        help="serve with this many processes on the port, e.g. one per core (default 1; not for WebRTC or tokens)",
    )
    parser.add_argument("--events", action="store_true", help="console mode: print every RTVI message from the bot")
    parser.add_argument(
        "--cluster",
        metavar="URL",
        help="join the cluster whose Redis is at URL (redis://HOST:6379/0): sets [cluster] redis_url",
    )
    return parser


def _workers(text: str) -> int:
    if not text.isdigit() or not 1 <= int(text) <= 64:
        raise argparse.ArgumentTypeError(f"expected a number of processes from 1 to 64, got {text!r}")
    return int(text)


def port_number(text: str) -> int:
    """``--port``'s value: a port number 0-65535 (argparse's error otherwise)."""
    if not text.isdigit() or int(text) > 65535:
        raise argparse.ArgumentTypeError(f"expected a port number 0-65535, got {text!r}")
    return int(text)


def run(args: argparse.Namespace) -> int:
    import anyio

    from ..config.loader import load_bot_file, load_bot_text
    from ..plugins import get_plugin_manager
    from ..server.cluster import ClusterUnavailable
    from ..server.gc_tuning import tune_gc_for_serving
    from ..server.workers import worker_place
    from ..serving import PreloadError, SessionFactory, can_serve

    manager = get_plugin_manager()
    overrides = {"cluster": {"redis_url": args.cluster}} if args.cluster else None
    if args.file:
        config = load_bot_file(args.file, overrides=overrides)
    elif manager.registry.find("transports", "websocket") is not None:
        text, hints = default_served_bot(manager.registry)
        for hint in hints:
            print(f"rtvi: default bot: {hint}", file=sys.stderr)
        config = load_bot_text(text, file="<built-in bot>", overrides=overrides)
    else:
        print(
            "rtvi: rtvi-websocket is not installed: chatting with the built-in bot in the "
            "terminal (pip install rtvi-websocket to serve it to browsers)",
            file=sys.stderr,
        )
        config = load_bot_text(DEFAULT_BOT, file="<built-in bot>")
    transport_class = config.transport.obj
    _check_cluster_transport(config)
    if can_serve(transport_class):
        bot = config.model.bot
        host = args.host or bot.host
        port = bot.port if args.port is None else args.port
        if args.workers > 1 and worker_place() is None:
            return _supervise(config, args.workers, host, port)
        sessions = SessionFactory(config, manager)
        try:
            _preload(sessions, manager.registry)
        except PreloadError as exc:
            raise CommandError(str(exc)) from None
        tune_gc_for_serving()

        page = getattr(transport_class, "PAGE", None)

        def listening(bound_host: str, bound_port: int) -> None:
            place = worker_place()
            if place is not None:  # the supervisor says where it listens, once all do
                print(f"rtvi: worker {place.index + 1} of {place.count} ready", file=sys.stderr, flush=True)
                return
            url = f"http://{bound_host}:{bound_port}"
            shown = f" ({page[0]}: {url}{page[1]})" if page else ""
            print(f"rtvi: serving {bot.name!r} — listening on {url}{shown}", file=sys.stderr, flush=True)

        try:
            serve = functools.partial(transport_class.serve, sessions, host=host, port=port, on_listening=listening)
            anyio.run(serve, backend="asyncio")
        except OSError as exc:
            raise CommandError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None
        except ClusterUnavailable as exc:
            raise CommandError(f"cannot join the cluster: {exc}") from None
        return EXIT_OK
    if config.cluster is not None:
        raise CommandError(
            f"{config.file}: cluster: transport {config.transport.name!r} serves no clients, so it cannot "
            "join a cluster (use a served transport, e.g. websocket)"
        )
    if config.transport.name not in CONSOLE_TRANSPORTS:
        raise CommandError(
            f"{config.file}: transport.use: transport plugin {config.transport.name!r} can neither "
            f"serve clients nor run in the console (console transports: {', '.join(CONSOLE_TRANSPORTS)})"
        )
    anyio.run(run_console_session, config, args.events)
    return EXIT_OK


def _check_cluster_transport(config: Any) -> None:
    """A served bot file in a ``[cluster]`` must be served on a transport the cluster dispatches."""
    from ..serving import can_serve

    if config.cluster is None or not can_serve(config.transport.obj):
        return
    dispatched = getattr(config.cluster.obj, "TRANSPORTS", None)
    if dispatched and config.transport.name not in dispatched:
        raise CommandError(
            f"{config.file}: cluster: the {config.cluster.name!r} cluster dispatches "
            f"{', '.join(repr(name) for name in dispatched)} sessions, not {config.transport.name!r}: "
            "serve the bot on one of those, or run it outside the cluster"
        )


def _supervise(config: Any, count: int, host: str, port: int) -> int:
    """``--workers N``: run N copies of this command line as workers on ``host:port``."""
    from ..server.workers import Supervisor, refusal

    why = refusal(config)
    if why is not None:
        raise CommandError(f"{config.file}: --workers {count}: {why}")
    name = config.model.bot.name

    def listening(bound_host: str, bound_port: int) -> None:
        url = f"http://{bound_host}:{bound_port}"
        print(f"rtvi: serving {name!r} with {count} workers — listening on {url}", file=sys.stderr, flush=True)

    command = [sys.executable, *sys.orig_argv[1:]]
    try:
        return Supervisor(command, count, host, port).run(on_listening=listening)
    except OSError as exc:
        raise CommandError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None


def _preload(sessions: Any, registry: Any) -> None:
    """Load the bot's models before listening, showing what took how long.

    From then on the loggers of the plugins providing the bot's VAD, STT, LLM and TTS
    (``rtvi.<plugin>``) show their INFO records: model loading, with its time.
    """
    level = min(logging.INFO, logging.getLogger().level)
    config = sessions.config
    for spec in (config.vad, config.stt, config.llm, config.tts):
        if spec is not None:
            plugin = registry.get(spec.section, spec.name).plugin_name
            logging.getLogger(f"rtvi.{plugin}").setLevel(level)
    for spec, seconds in sessions.preload():
        print(f"rtvi: {spec.section} {spec.name!r} ready in {seconds:.2f} s", file=sys.stderr, flush=True)


async def run_console_session(config: Any, show_events: bool = False) -> None:
    """Build one session from ``config`` and chat with it in the terminal."""
    from ..config.builder import build_session
    from ..plugins import get_plugin_manager
    from .console import Console

    manager = get_plugin_manager()
    session = build_session(config)
    manager.session_started(session)
    try:
        await Console(session, show_events=show_events).run()
    finally:
        manager.session_ended(session)
