"""The Silero VAD ONNX model: finding it, loading it once per process, running it per stream.

Two ONNX interfaces are supported, told apart by their input names:

* ``input``, ``state`` (and ``sr``): ``silero_vad.onnx`` of the ``silero-vad`` wheel,
  16 kHz and 8 kHz (``silero_vad_16k_op15.onnx`` and ``silero_vad_half.onnx`` too,
  16 kHz only);
* ``input``, ``h``, ``c``: ``faster_whisper/assets/silero_vad_v6.onnx`` (and the wheel's
  ``silero_vad_16k_sequence.onnx``), 16 kHz only.

Each call takes one window (512 samples at 16 kHz, 256 at 8 kHz: 32 ms) with the last
64 (32) samples of the previous window prepended, and the recurrent state of the last
call. One :class:`SileroModel` (an ``onnxruntime.InferenceSession``, 1 thread) is shared
by every analyzer of the process; each analyzer owns a :class:`SileroStream`.

numpy and onnxruntime are imported when a model is loaded, never at import time.
"""

from __future__ import annotations

import importlib.util
import os
import threading
import time
from typing import TYPE_CHECKING, Any

from .log import logger

if TYPE_CHECKING:
    from .batcher import WindowBatcher

#: Samples per window at each rate the model supports (32 ms).
WINDOW_SAMPLES = {16000: 512, 8000: 256}
#: Samples of the previous window prepended to each window, per rate.
CONTEXT_SAMPLES = {16000: 64, 8000: 32}

INSTALL_RUNTIME = "pip install onnxruntime numpy"
INSTALL_MODEL = "pip install --no-deps silero-vad"

_STATE_SIZE = 128


class SileroModelError(RuntimeError):
    """The model or its runtime is missing or unusable; the message says what to install."""


def _package_dir(name: str) -> str | None:
    """The directory of an installed package, found without importing it.

    (``import silero_vad`` needs torch, and ``faster_whisper`` imports PyAV.)
    """
    try:
        spec = importlib.util.find_spec(name)
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.submodule_search_locations:
        return None
    return next(iter(spec.submodule_search_locations))


def default_model_path() -> str:
    """The model of the installed ``silero-vad`` wheel, else faster-whisper's asset.

    Raises :class:`SileroModelError` naming the install command when neither exists.
    """
    candidates = []
    silero = _package_dir("silero_vad")
    if silero:
        candidates.append(os.path.join(silero, "data", "silero_vad.onnx"))
    whisper = _package_dir("faster_whisper")
    if whisper:
        candidates.append(os.path.join(whisper, "assets", "silero_vad_v6.onnx"))
    for path in candidates:
        if os.path.isfile(path):
            return path
    raise SileroModelError(
        "no Silero VAD model found: install one with `" + INSTALL_MODEL + "` "
        "(the model without its torch dependency) or set model_path to a silero_vad .onnx file"
    )


def check_runtime() -> None:
    """Raise :class:`SileroModelError` unless onnxruntime and numpy are installed."""
    missing = [name for name in ("onnxruntime", "numpy") if importlib.util.find_spec(name) is None]
    if missing:
        raise SileroModelError(f"the Silero VAD needs {' and '.join(missing)}: {INSTALL_RUNTIME}")


def resolve_model_path(path: str | None) -> str:
    """The model file to use (``path`` or the default), checking the runtime is installed.

    Imports nothing; raises :class:`SileroModelError` saying what is missing.
    """
    check_runtime()
    if path is None:
        return default_model_path()
    path = os.fspath(path)
    if not os.path.isfile(path):
        raise SileroModelError(f"model_path {path!r} is not a file (expected a Silero VAD .onnx model)")
    return path


class SileroModel:
    """One loaded ONNX model; thread-safe, shared (see :func:`load_model`)."""

    def __init__(self, path: str) -> None:
        check_runtime()
        import numpy
        import onnxruntime

        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = 1
        options.inter_op_num_threads = 1
        options.log_severity_level = 3  # the wheel's models warn about unused initializers
        try:
            self.session = onnxruntime.InferenceSession(path, sess_options=options, providers=["CPUExecutionProvider"])
        except Exception as exc:
            raise SileroModelError(f"cannot load the Silero VAD model {path!r}: {exc}") from exc
        self.path = path
        self.np = numpy
        names = {i.name for i in self.session.get_inputs()}
        self.recurrent = "state" if "state" in names else "hc" if {"h", "c"} <= names else ""
        if "input" not in names or not self.recurrent:
            raise SileroModelError(
                f"{path!r} is not a Silero VAD model (inputs {sorted(names)}; expected "
                "input + state [+ sr], or input + h + c)"
            )
        self.takes_rate = "sr" in names
        #: The sample rates this model accepts.
        self.sample_rates = (16000, 8000) if self.takes_rate else (16000,)

    def initial_state(self) -> tuple[Any, ...]:
        """The recurrent state at the start of a stream (zeros)."""
        zeros = self.np.zeros
        if self.recurrent == "state":
            return (zeros((2, 1, _STATE_SIZE), self.np.float32),)
        return (zeros((1, 1, _STATE_SIZE), self.np.float32),) * 2

    def run(self, window: Any, state: tuple[Any, ...], sample_rate: int) -> tuple[float, tuple[Any, ...]]:
        """Speech probability of ``window`` (float32 [1, context + samples]) and the next state."""
        if self.recurrent == "state":
            feeds = {"input": window, "state": state[0]}
            if self.takes_rate:
                feeds["sr"] = self.np.array(sample_rate, self.np.int64)
            probability, new_state = self.session.run(None, feeds)
            return float(probability.reshape(-1)[0]), (new_state,)
        probability, h, c = self.session.run(None, {"input": window, "h": state[0], "c": state[1]})
        return float(probability.reshape(-1)[0]), (h, c)

    def run_batch(
        self, windows: list[Any], states: list[tuple[Any, ...]], sample_rate: int
    ) -> list[tuple[float, tuple[Any, ...]]]:
        """:meth:`run` for windows of several streams (float32 [context + samples] each, with
        each stream's state): one inference when the model takes a batch (``state`` models),
        else one per window (the ``h``/``c`` models take one stream)."""
        if self.recurrent != "state" or len(windows) == 1:
            return [self.run(window[None, :], state, sample_rate) for window, state in zip(windows, states)]
        np = self.np
        feeds = {"input": np.stack(windows), "state": np.concatenate([state[0] for state in states], axis=1)}
        if self.takes_rate:
            feeds["sr"] = np.array(sample_rate, np.int64)
        probabilities, new_states = self.session.run(None, feeds)
        values = probabilities.reshape(-1).tolist()
        return [(values[i], (new_states[:, i : i + 1],)) for i in range(len(windows))]


_models: dict[str, SileroModel] = {}
_models_lock = threading.Lock()


def load_model(path: str | None = None) -> SileroModel:
    """The model at ``path`` (default: :func:`default_model_path`), loaded once per process."""
    path = os.path.realpath(path or default_model_path())
    model = _models.get(path)
    if model is not None:
        return model
    with _models_lock:
        model = _models.get(path)
        if model is None:
            if not os.path.isfile(path):
                raise SileroModelError(f"model_path {path!r} does not exist")
            began = time.perf_counter()
            model = _models[path] = SileroModel(path)
            logger.info("loaded Silero VAD model %s in %.1f ms", path, 1e3 * (time.perf_counter() - began))
    return model


class SileroStream:
    """One audio stream through a shared model: its recurrent state and window context."""

    def __init__(self, model: SileroModel, sample_rate: int) -> None:
        if sample_rate not in model.sample_rates:
            rates = " or ".join(str(r) for r in model.sample_rates)
            raise SileroModelError(f"the Silero VAD model {model.path!r} takes {rates} Hz audio, not {sample_rate} Hz")
        self.model = model
        self.sample_rate = sample_rate
        self.window_samples = WINDOW_SAMPLES[sample_rate]
        np = model.np
        self._context = np.zeros(CONTEXT_SAMPLES[sample_rate], np.float32)
        self._state = model.initial_state()

    def reset(self) -> None:
        """Forget the recurrent state (the context samples are kept: they are real audio)."""
        self._state = self.model.initial_state()

    def probability(self, pcm: bytes) -> float:
        """Speech probability of one window of PCM16 (``window_samples`` samples)."""
        probability, self._state = self.model.run(self._next_input(pcm)[None, :], self._state, self.sample_rate)
        return probability

    async def batched_probability(self, pcm: bytes, batcher: WindowBatcher) -> float:
        """:meth:`probability`, run by ``batcher`` with other streams' windows."""
        probability, self._state = await batcher.run(self._next_input(pcm), self._state)
        return probability

    def _next_input(self, pcm: bytes) -> Any:
        """The model's input for one window: the last context samples, then the window's (float32)."""
        np = self.model.np
        window = np.concatenate((self._context, np.frombuffer(pcm, dtype="<i2") * np.float32(1.0 / 32768.0)))
        self._context = window[-len(self._context) :]
        return window
