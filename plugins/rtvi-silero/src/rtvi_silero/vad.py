"""``SileroVADAnalyzer``: Silero VAD v6 (ONNX on onnxruntime) as a core ``VADAnalyzer``."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

from rtvi_core.plugins import LazyConfig
from rtvi_core.services.vad import VADParams, VADState

from .analyzer_base import PluginVADAnalyzer
from .batcher import WindowBatcher, batcher_for
from .log import logger
from .model import SileroModelError, SileroStream, load_model, resolve_model_path
from .windows import ResampledWindows

#: Model sample rates; audio at any other rate is resampled to 16 kHz.
MODEL_RATES = (16000, 8000)
#: Length of one analysis window (the model's 512 samples at 16 kHz).
WINDOW_SECS = 0.032
#: How far ``stop_confidence`` lies below ``confidence`` by default.
STOP_CONFIDENCE_GAP = 0.15

_IN_TURN = (VADState.SPEAKING, VADState.STOPPING)


class SileroVADAnalyzer(PluginVADAnalyzer):
    """Voice activity from the Silero VAD model, with start/stop hysteresis.

    A window starts speech when its probability reaches ``params.confidence``; once
    the user is speaking, windows down to ``stop_confidence`` (default: confidence
    − 0.15) still count as speech, so a turn does not end on a soft syllable. The
    base class's ``start_secs``/``stop_secs`` state machine and ``min_volume`` gate
    apply on top (``min_volume`` defaults to 0 here: the model needs no volume gate;
    every window still reaches the model, so its state follows the whole stream).

    ``sample_rate``: the rate the model runs at, 8000 or 16000 (None: the stream's
    rate when it is one of those, else 16000; other stream rates are resampled with
    soxr). Used as the stream's rate when no transport sets one.
    ``model_path``: a Silero ``.onnx`` file (None: the ``silero-vad`` wheel's model,
    else faster-whisper's). The model is loaded once per process — by :meth:`preload`
    (``rtvi run``, before it listens), else when the first analyzer using it gets its
    stream's rate (at the transport's start) — and shared;
    each analyzer keeps its own recurrent state, reset at the end of every turn and
    after ``reset_after_secs`` of quiet.
    ``batch``: run the windows of every session of the event loop in batches on a worker
    thread (:mod:`rtvi_silero.batcher`: a window waits at most a few milliseconds; the
    loop is spared ~0.1 ms a window, and a batch costs about half as much a window);
    False: each window on the event loop, at once.
    """

    PLUGIN_NAME = "silero"
    DESCRIPTION = "Silero VAD v6 (ONNX on onnxruntime): speech start/stop with hysteresis"
    Config = LazyConfig("rtvi_silero.plugin:SileroVADConfig")

    def __init__(
        self,
        *,
        sample_rate: int | None = None,
        params: VADParams | None = None,
        stop_confidence: float | None = None,
        model_path: str | None = None,
        reset_after_secs: float = 5.0,
        batch: bool = True,
    ) -> None:
        if sample_rate is not None and sample_rate not in MODEL_RATES:
            raise ValueError(f"sample_rate must be 8000 or 16000 (or None), got {sample_rate!r}")
        if stop_confidence is not None and not 0.0 <= stop_confidence <= 1.0:
            raise ValueError(f"stop_confidence must be within 0..1, got {stop_confidence!r}")
        if reset_after_secs <= 0:
            raise ValueError(f"reset_after_secs must be positive, got {reset_after_secs!r}")
        model_path = resolve_model_path(model_path)
        super().__init__(params=params or VADParams(min_volume=0.0))
        self._model_rate = sample_rate
        self._stop_confidence = stop_confidence
        self._model_path = model_path
        self._reset_windows = max(1, round(reset_after_secs / WINDOW_SECS))
        self._batch = batch
        self._batcher: WindowBatcher | None = None
        self._stream: SileroStream | None = None
        self._windows: ResampledWindows | None = None
        self._load_error: SileroModelError | None = None
        self._probability = 0.0
        self._last_state = VADState.QUIET
        self._quiet_windows = 0

    @property
    def model_path(self) -> str:
        """The ONNX model file used."""
        return self._model_path

    @property
    def load_error(self) -> SileroModelError | None:
        """Why the model could not be loaded at the last :meth:`set_sample_rate` (None: it was)."""
        return self._load_error

    @property
    def stop_confidence(self) -> float:
        """The probability that still counts as speech once the user is speaking."""
        if self._stop_confidence is not None:
            return self._stop_confidence
        return max(0.0, self.params.confidence - STOP_CONFIDENCE_GAP)

    def preload(self) -> None:
        """Load the shared model (once per process), before any session."""
        load_model(self._model_path)

    @classmethod
    def check_installed(cls) -> None:
        """Raise :class:`SileroModelError` naming the install command unless onnxruntime
        and the default model are installed."""
        resolve_model_path(None)

    def num_frames_required(self) -> int:
        """32 ms of audio at the stream's rate (512 samples at 16 kHz, 256 at 8 kHz)."""
        return round(self.sample_rate * WINDOW_SECS)

    def set_sample_rate(self, sample_rate: int) -> None:
        """Set the stream's rate; loads the shared model (once per process) and starts a stream.

        A model that fails to load does not fail the transport's start (that would
        stall the pipeline): the error is logged (logger ``rtvi.silero``), kept in
        :attr:`load_error`, and the analyzer stays QUIET.
        """
        super().set_sample_rate(sample_rate)
        self._stream = self._windows = self._load_error = self._batcher = None
        self._probability = 0.0
        self._last_state = VADState.QUIET
        self._quiet_windows = 0
        try:
            model = load_model(self._model_path)
            model_rate = self._model_rate
            if model_rate is None:
                model_rate = sample_rate if sample_rate in model.sample_rates else 16000
            self._stream = SileroStream(model, model_rate)
        except SileroModelError as exc:
            logger.error("%s", exc)
            self._load_error = exc
            return
        if model_rate != sample_rate:
            self._windows = ResampledWindows(sample_rate, model_rate, self._stream.window_samples)

    async def analyze_audio(self, buffer: bytes) -> VADState:
        """Feed PCM16 (any length); without a transport, the stream runs at ``sample_rate``."""
        if not self.sample_rate and self._model_rate:
            self.set_sample_rate(self._model_rate)
        return await super().analyze_audio(buffer)

    def voice_confidence(self, buffer: bytes) -> float:
        """The model's speech probability for one 32 ms window, lifted to ``confidence``
        when the user is speaking and it reaches ``stop_confidence``."""
        stream = self._stream
        if stream is None:  # the model failed to load (logged): stay quiet
            return 0.0
        self._reset_when_quiet(stream)
        for window in self._model_windows(buffer):
            self._probability = stream.probability(window)
        return self._lifted()

    async def window_confidence(self, window: bytes) -> float:
        """:meth:`voice_confidence`, with the model run in batches off the loop (``batch``)."""
        stream = self._stream
        if not self._batch or stream is None:
            return self.voice_confidence(window)
        self._reset_when_quiet(stream)
        batcher = self._batcher
        if batcher is None or batcher.loop is not asyncio.get_running_loop():
            batcher = self._batcher = batcher_for(stream.model, stream.sample_rate)
        for model_window in self._model_windows(window):
            self._probability = await stream.batched_probability(model_window, batcher)
        return self._lifted()

    def _model_windows(self, buffer: bytes) -> Sequence[bytes]:
        """The model windows one stream window makes (itself; resampled: about one)."""
        return (buffer,) if self._windows is None else self._windows.feed(buffer)

    def _lifted(self) -> float:
        probability = self._probability
        if self.state in _IN_TURN and probability >= self.stop_confidence:
            return max(probability, self.params.confidence)
        return probability

    def _reset_when_quiet(self, stream: SileroStream) -> None:
        """Reset the model's state when a turn has just ended and after long quiet."""
        state, last = self.state, self._last_state
        self._last_state = state
        if state is not VADState.QUIET:
            self._quiet_windows = 0
            return
        self._quiet_windows += 1
        if last is VADState.STOPPING or self._quiet_windows >= self._reset_windows:
            stream.reset()
            self._quiet_windows = 0
