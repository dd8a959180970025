"""Voice activity detection: the analyzer base class and its state machine."""

from __future__ import annotations

import enum
import math
import sys
from abc import ABC, abstractmethod

from ..records import record, setting


class VADState(enum.Enum):
    """Where the analyzer is in a speech turn."""

    QUIET = 1
    STARTING = 2
    SPEAKING = 3
    STOPPING = 4


@record(eq=True)
class VADParams:
    """VAD thresholds; also the ``[vad]`` bot-file keys of the analyzers.

    ``confidence``: minimum voice confidence of a speech window; ``min_volume``:
    minimum (smoothed) volume of a speech window, 0..1; ``start_secs``: speech needed
    to enter SPEAKING; ``stop_secs``: non-speech needed to go back to QUIET.
    """

    confidence: float = setting(default=0.7, description="minimum confidence of speech", ge=0, le=1)
    start_secs: float = setting(default=0.2, description="speech needed to start a turn", ge=0)
    stop_secs: float = setting(default=0.8, description="non-speech needed to end a turn", ge=0)
    min_volume: float = setting(default=0.6, description="minimum smoothed volume of speech", ge=0, le=1)


#: Volume is the RMS level in dBFS mapped linearly from this range onto 0..1.
_VOLUME_FLOOR_DBFS = -110.0
_VOLUME_CEIL_DBFS = -10.0
#: Weight of the newest window in the exponentially smoothed volume.
_VOLUME_SMOOTHING = 0.2

_sumprod = getattr(math, "sumprod", None)


def _energy(window: memoryview) -> float:
    """The sum of the squares of ``window``'s samples."""
    numpy = sys.modules.get("numpy")  # loaded by the audio plugins; never imported for this alone
    if numpy is not None:  # 6x faster than math.hypot for a 32 ms window
        samples = numpy.frombuffer(window, dtype=numpy.int16).astype(numpy.float64)
        return float(samples @ samples)
    if _sumprod is not None:
        return float(_sumprod(window, window))
    return math.hypot(*window) ** 2  # Python 3.11: in C (twice as fast as a list)


def rms_dbfs(window: memoryview) -> float:
    """RMS level of 16-bit PCM samples (a memoryview cast to ``"h"``) in dBFS."""
    count = len(window)
    if not count:
        return _VOLUME_FLOOR_DBFS
    energy = _energy(window)
    if not energy:
        return _VOLUME_FLOOR_DBFS
    return 10.0 * math.log10(energy / count) - 90.30899869919435  # 20*log10(32768)


def dbfs_to_volume(dbfs: float) -> float:
    """Map a dBFS level onto the 0..1 volume scale used by ``VADParams.min_volume``."""
    volume = (dbfs - _VOLUME_FLOOR_DBFS) / (_VOLUME_CEIL_DBFS - _VOLUME_FLOOR_DBFS)
    return 0.0 if volume < 0.0 else 1.0 if volume > 1.0 else volume


class VADAnalyzer(ABC):
    """Turns a stream of 16-bit mono PCM into a :class:`VADState`.

    Audio is cut into windows of :meth:`num_frames_required` samples; each window is
    speech when its confidence (:meth:`window_confidence`, by default
    :meth:`voice_confidence`) reaches ``params.confidence`` and its
    smoothed volume reaches ``params.min_volume``. ``start_secs`` of speech windows
    move QUIET → STARTING → SPEAKING; ``stop_secs`` of other windows move
    SPEAKING → STOPPING → QUIET. Subclasses implement the two abstract methods.
    """

    def __init__(self, *, sample_rate: int | None = None, params: VADParams | None = None) -> None:
        self._init_sample_rate = sample_rate
        self._sample_rate = 0
        self._params = params or VADParams()
        self._pending = bytearray()
        self._volume = 0.0
        self._state = VADState.QUIET
        self._window_bytes = 0
        self._start_windows = 1
        self._stop_windows = 1
        self._count = 0
        self._level_window: bytes | None = None
        self._level = 0.0

    @property
    def sample_rate(self) -> int:
        """The sample rate being analysed (0 until :meth:`set_sample_rate`)."""
        return self._sample_rate

    @property
    def num_channels(self) -> int:
        """Always 1: analyzers take mono audio."""
        return 1

    @property
    def params(self) -> VADParams:
        """The current thresholds."""
        return self._params

    @property
    def state(self) -> VADState:
        """The state after the last analysed window."""
        return self._state

    @abstractmethod
    def num_frames_required(self) -> int:
        """Samples per analysis window at the current sample rate."""

    @abstractmethod
    def voice_confidence(self, buffer: bytes) -> float:
        """Probability (0..1) that one window of PCM holds speech."""

    async def window_confidence(self, window: bytes) -> float:
        """The confidence of one window, awaited by :meth:`analyze_audio`.

        By default :meth:`voice_confidence`, on the event loop; an analyzer whose
        model is better run elsewhere (batched, on a worker thread) overrides this.
        """
        return self.voice_confidence(window)

    def set_sample_rate(self, sample_rate: int) -> None:
        """Set the stream's rate (a constructor rate wins); the input transport calls it at start."""
        self._sample_rate = self._init_sample_rate or sample_rate
        self.set_params(self._params)

    def set_params(self, params: VADParams) -> None:
        """Change the thresholds; the state goes back to QUIET."""
        self._params = params
        self._state = VADState.QUIET
        self._count = 0
        self._pending.clear()
        if not self._sample_rate:
            return
        window = self.num_frames_required()
        self._window_bytes = window * 2
        window_secs = window / self._sample_rate
        self._start_windows = max(1, round(params.start_secs / window_secs))
        self._stop_windows = max(1, round(params.stop_secs / window_secs))

    async def analyze_audio(self, buffer: bytes) -> VADState:
        """Feed PCM and return the state after its complete windows.

        A chunk's odd trailing byte (half a sample) is dropped, so that later samples
        are not read byte-shifted.
        """
        if len(buffer) & 1:
            buffer = buffer[:-1]
        size = self._window_bytes
        if not size:
            if not self._init_sample_rate:
                raise RuntimeError("VADAnalyzer needs a sample rate before analyze_audio()")
            self.set_sample_rate(self._init_sample_rate)
            size = self._window_bytes
        pending = self._pending
        if not pending and len(buffer) == size:
            self._analyze_window(buffer, await self.window_confidence(buffer))
            return self._state
        pending += buffer
        offset = 0
        while len(pending) - offset >= size:
            window = bytes(pending[offset : offset + size])
            self._analyze_window(window, await self.window_confidence(window))
            offset += size
        if offset:
            del pending[:offset]
        return self._state

    def level_dbfs(self, window: bytes) -> float:
        """RMS level of one analysis window in dBFS (computed once per window)."""
        if window is not self._level_window:
            self._level_window = window
            self._level = rms_dbfs(memoryview(window).cast("h"))
        return self._level

    def _window_volume(self, window: bytes) -> float:
        volume = dbfs_to_volume(self.level_dbfs(window))
        self._volume += _VOLUME_SMOOTHING * (volume - self._volume)
        return self._volume

    def _analyze_window(self, window: bytes, confidence: float) -> None:
        # Every window's confidence is asked, quiet ones too: stateful models
        # (Silero's recurrent state) must see the whole stream.
        params = self._params
        speech = confidence >= params.confidence
        if params.min_volume:  # (0: the level is never needed: Silero's default)
            speech = self._window_volume(window) >= params.min_volume and speech
        state = self._state
        if speech:
            if state is VADState.QUIET:
                self._state, self._count = VADState.STARTING, 1
            elif state is VADState.STARTING:
                self._count += 1
            elif state is VADState.STOPPING:
                self._state, self._count = VADState.SPEAKING, 0
            if self._state is VADState.STARTING and self._count >= self._start_windows:
                self._state, self._count = VADState.SPEAKING, 0
        else:
            if state is VADState.STARTING:
                self._state, self._count = VADState.QUIET, 0
            elif state is VADState.SPEAKING:
                self._state, self._count = VADState.STOPPING, 1
            elif state is VADState.STOPPING:
                self._count += 1
            if self._state is VADState.STOPPING and self._count >= self._stop_windows:
                self._state, self._count = VADState.QUIET, 0

    async def cleanup(self) -> None:
        """Release resources (models, threads); called when the input transport stops."""
