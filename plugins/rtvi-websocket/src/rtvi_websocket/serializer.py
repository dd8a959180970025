"""``ProtobufFrameSerializer``: frames as Pipecat ``pipecat.Frame`` protobuf messages."""

from __future__ import annotations

import msgspec

from rtvi_core.audio import AudioFormatError, check_input_format
from rtvi_core.frames import (
    Frame,
    InputAudioRawFrame,
    InputTransportMessageFrame,
    InterruptionFrame,
    OutputAudioRawFrame,
    OutputTransportMessageFrame,
    OutputTransportMessageUrgentFrame,
    StartFrame,
    TextFrame,
    TranscriptionFrame,
)
from rtvi_core.plugins import Component, LazyConfig
from rtvi_core.rtvi.messages import MAX_TEXT_CHARS, JSONBoundsError, decode_client_json
from rtvi_core.services.serializer import FrameSerializer

from . import log
from .protobuf import (
    PbAudioRawFrame,
    PbInterruptionFrame,
    PbMessageFrame,
    PbTextFrame,
    PbTranscriptionFrame,
    ProtobufDecodeError,
    decode_frame,
    encode_audio,
    encode_frame,
    encode_message,
)

logger = log.logger.getChild("serializer")

_encode_json = msgspec.json.Encoder().encode
_INTERRUPTION = encode_frame(PbInterruptionFrame())


class ProtobufFrameSerializer(FrameSerializer, Component):
    """The wire format of the stock ``@pipecat-ai/websocket-transport`` client.

    Out: transport messages (urgent or not) become ``message`` frames holding their
    JSON; output audio (``TTSAudioRawFrame`` included) becomes ``audio`` frames with the
    frame's id and name; an :class:`InterruptionFrame` becomes an ``interruption`` frame
    only with ``send_interruptions=True`` (the stock JS client cannot parse it and logs
    an error for each); nothing else is sent.

    In (binary payloads only): ``message`` → :class:`InputTransportMessageFrame` with
    the decoded JSON value; ``audio`` → :class:`InputAudioRawFrame` (trimmed to whole
    samples; a missing sample rate means the run's input rate, missing channels mean
    mono); ``transcription`` → :class:`TranscriptionFrame`; ``text`` →
    :class:`TextFrame`; ``interruption`` → :class:`InterruptionFrame`. Payloads that
    cannot be used — bad protobuf, an empty or unknown oneof, ``message`` data that
    is not JSON or beyond ``MAX_JSON_DEPTH``/``MAX_JSON_CONTAINERS``, audio at a rate or channel
    count a client may not send (:func:`~rtvi_core.audio.check_input_format`), text
    or a transcription longer than ``MAX_TEXT_CHARS``, text WebSocket payloads — are
    dropped and counted in
    :attr:`malformed_count` (logged at the 1st, 2nd, 4th, 8th, ... occurrence), with
    the reason in :attr:`last_error`; a transport may answer them or close an abusive
    connection. Nothing here raises.
    """

    PLUGIN_NAME = "protobuf"
    DESCRIPTION = "Pipecat protobuf frames (the stock WebSocket client's format)"
    Config = LazyConfig("rtvi_websocket.plugin:ProtobufSerializerConfig")

    def __init__(self, *, send_interruptions: bool = False) -> None:
        self.send_interruptions = send_interruptions
        #: Received payloads dropped as malformed so far.
        self.malformed_count = 0
        #: Why the last dropped payload was dropped.
        self.last_error = ""
        self._in_sample_rate = 16000

    async def setup(self, frame: StartFrame) -> None:
        """Remember the run's input sample rate (for audio frames that omit theirs)."""
        self._in_sample_rate = frame.audio_in_sample_rate

    def serialize(self, frame: Frame) -> bytes | None:
        """The protobuf bytes for ``frame``; None for frames not sent to the client."""
        if isinstance(frame, OutputAudioRawFrame):
            return encode_audio(
                frame.audio, frame.sample_rate, frame.num_channels, id=frame.id, name=frame.name, pts=frame.pts
            )
        if isinstance(frame, (OutputTransportMessageUrgentFrame, OutputTransportMessageFrame)):
            message = frame.message
            try:
                data = _encode_json(message)  # RTVI message Structs and plain JSON values alike
            except (TypeError, msgspec.EncodeError) as exc:
                logger.error("cannot send %s: its message is not JSON-serializable: %s", frame, exc)
                return None
            return encode_message(data)
        if isinstance(frame, InterruptionFrame) and self.send_interruptions:
            return _INTERRUPTION
        return None

    def deserialize(self, data: bytes | str) -> Frame | None:
        """The frame a received payload stands for; None when it is dropped."""
        if isinstance(data, str):
            self._reject("a text payload (only binary protobuf frames are accepted)")
            return None
        try:
            pb = decode_frame(data)
        except ProtobufDecodeError as exc:
            self._reject(f"malformed protobuf: {exc}")
            return None
        if type(pb) is PbAudioRawFrame:
            return self._audio(pb)
        if type(pb) is PbMessageFrame:
            try:
                message = decode_client_json(pb.data)
            except msgspec.DecodeError as exc:
                self._reject(f"message data is not JSON: {exc}")
                return None
            except JSONBoundsError as exc:
                self._reject(f"message data: {exc}")
                return None
            return InputTransportMessageFrame(message=message)
        if type(pb) is PbTranscriptionFrame:
            if len(pb.text) > MAX_TEXT_CHARS:
                self._reject(f"a transcription frame longer than {MAX_TEXT_CHARS} characters")
                return None
            return TranscriptionFrame(text=pb.text, user_id=pb.user_id, timestamp=pb.timestamp)
        if type(pb) is PbTextFrame:
            if len(pb.text) > MAX_TEXT_CHARS:
                self._reject(f"a text frame longer than {MAX_TEXT_CHARS} characters")
                return None
            return TextFrame(text=pb.text)
        if type(pb) is PbInterruptionFrame:
            return InterruptionFrame()
        self._reject("an empty frame, or one with no field this server knows (ignored)")
        return None

    def _audio(self, pb: PbAudioRawFrame) -> InputAudioRawFrame | None:
        sample_rate = pb.sample_rate or self._in_sample_rate
        channels = pb.num_channels or 1
        try:
            check_input_format(sample_rate, channels, native_rate=self._in_sample_rate)
        except AudioFormatError as exc:
            self._reject(f"audio frame: {exc}")
            return None
        audio = pb.audio
        partial = len(audio) % (2 * channels)
        if partial:
            audio = audio[:-partial]
        if not audio:
            return None
        return InputAudioRawFrame(audio=audio, sample_rate=sample_rate, num_channels=channels)

    def _reject(self, reason: str) -> None:
        self.malformed_count += 1
        self.last_error = reason
        count = self.malformed_count
        if count & (count - 1) == 0:
            logger.warning("dropping a received payload (%d malformed so far): %s", count, reason)
