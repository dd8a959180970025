"""The voice bot's components called directly, without a pipeline: what they alone cost.

Built from the same bot file as the server (``voice.toml``), for one utterance:

* **VAD**: the Silero analyzer fed the utterance as the client streams it (0.5 s of
  silence, the speech, then silence, in 16 ms frames); its stop decision, in audio
  time after the end of speech (``stop_secs`` plus Silero's own tail).
* **STT**: faster-whisper transcribing the segment the pipeline's
  ``SegmentedSTTService`` hands it (``pre_roll_secs`` before the VAD's start to its
  stop), with the plugin's options: wall time.
* **LLM**: the echo LLM's ``generate()`` to its first chunk.
* **TTS**: Piper's first audio of the reply: the first sentence the core's
  ``SentenceAggregator`` cuts from the echo's chunks, phonemized, its first sentence
  synthesized and resampled to the output rate, as ``PiperTTSService.run_tts`` does.
"""

from __future__ import annotations

import math
import time
from typing import Any

from rtvi_core.testing.speech import SpeechClip, silence

FRAME_MS = 16
LEAD_SILENCE_SECS = 0.5
TAIL_SILENCE_SECS = 1.5
PRE_ROLL_SECS = 0.3  # SegmentedSTTService's default, which the whisper plugin keeps
OUTPUT_RATE = 24000  # the pipeline's audio_out_sample_rate (PipelineParams default)


class Components:
    """The bot file's VAD, STT, LLM and TTS, loaded once (blocking)."""

    def __init__(self, config: Any) -> None:
        from rtvi_piper.voices import load_voice, resolve_speaker, resolve_voice, synthesis_config
        from rtvi_whisper.loader import ModelKey, load_model
        from rtvi_whisper.locate import locate_model

        self.config = config
        stt = config.stt.config
        self.whisper = load_model(
            ModelKey(locate_model(stt.model, download=stt.download), stt.compute_type, stt.cpu_threads, stt.num_workers)
        )
        self.whisper_options = {
            "language": None if stt.language == "auto" else stt.language,
            "beam_size": stt.beam_size,
            "no_speech_threshold": stt.no_speech_threshold,
            "initial_prompt": stt.initial_prompt,
            "without_timestamps": True,
            "condition_on_previous_text": False,
            "vad_filter": False,
        }
        tts = config.tts.config
        files = resolve_voice(tts.voice)
        self.voice = load_voice(files, alignments=tts.word_timestamps)
        self.synthesis = synthesis_config(resolve_speaker(files, tts.speaker), tts.length_scale, tts.noise_scale)
        self.llm = config.llm.create()

    async def measure(self, clip: SpeechClip) -> dict[str, Any]:
        """Seconds each component takes for ``clip``, their sum, and the transcript and reply.

        Whisper and Piper run in a worker thread, as in the bot, so the event loop
        (the client's microphone) keeps its pace.
        """
        import anyio

        vad_secs, segment = await self.vad(clip)
        stt_secs, text = await anyio.to_thread.run_sync(self.stt, segment)
        llm_secs, reply = await self.llm_first_chunk(text)
        tts_secs = await anyio.to_thread.run_sync(self.tts_first_audio, reply)
        return {
            "vad": vad_secs,
            "stt": stt_secs,
            "llm": llm_secs,
            "tts": tts_secs,
            "total": vad_secs + stt_secs + llm_secs + tts_secs,
            "transcript": text,
            "reply": reply,
        }

    async def vad(self, clip: SpeechClip) -> tuple[float, bytes]:
        """Audio time from the end of speech to the stop decision, and the STT segment."""
        from rtvi_core.services.vad import VADState

        analyzer = self.config.vad.create()
        analyzer.set_sample_rate(clip.sample_rate)
        stream = SpeechClip(
            clip.name,
            silence(LEAD_SILENCE_SECS, clip.sample_rate) + clip.pcm + silence(TAIL_SILENCE_SECS, clip.sample_rate),
            clip.sample_rate,
            clip.text,
        )
        frames = stream.frames(FRAME_MS)
        started = stopped = None
        for index, frame in enumerate(frames):
            state = await analyzer.analyze_audio(frame)
            if started is None and state is VADState.SPEAKING:
                started = index
            elif started is not None and state is VADState.QUIET:
                stopped = index
                break
        if started is None or stopped is None:
            raise RuntimeError(f"the VAD found no whole utterance in {clip.text!r}")
        speech_end = LEAD_SILENCE_SECS + clip.seconds
        pre_roll = math.ceil(PRE_ROLL_SECS * 1000 / FRAME_MS)
        segment = b"".join(frames[max(0, started - pre_roll) : stopped])
        return (stopped + 1) * FRAME_MS / 1000 - speech_end, segment

    def stt(self, segment: bytes) -> tuple[float, str]:
        """Wall time of one transcription of ``segment`` (16 kHz PCM16), and its text."""
        import numpy

        started = time.perf_counter()
        samples = numpy.frombuffer(segment, dtype="<i2").astype(numpy.float32) / 32768.0
        segments, _ = self.whisper.transcribe(samples, **self.whisper_options)
        text = " ".join(s.text.strip() for s in segments).strip()
        return time.perf_counter() - started, text

    async def llm_first_chunk(self, text: str) -> tuple[float, str]:
        """Time to the echo LLM's first chunk for ``text``, and its whole reply."""
        from rtvi_core.services.llm_context import LLMContext

        context = LLMContext([{"role": "user", "content": text}])
        started = time.perf_counter()
        first = None
        chunks = []
        async for chunk in self.llm.generate(context):
            if isinstance(chunk, str):
                first = time.perf_counter() if first is None else first
                chunks.append(chunk)
        return (first or time.perf_counter()) - started, "".join(chunks)

    def tts_first_audio(self, reply: str) -> float:
        """Time to Piper's first audio chunk of ``reply``'s first sentence, at the output rate."""
        from rtvi_core.audio import StreamResampler
        from rtvi_core.services.text_aggregator import SentenceAggregator

        started = time.perf_counter()
        aggregator = SentenceAggregator()
        sentence = next(iter(aggregator.aggregate(reply)), None) or aggregator.flush()
        phonemes = self.voice.phonemize(sentence.strip())
        pcm, _ = self.voice.synthesize(phonemes[0], self.synthesis)
        StreamResampler(self.voice.sample_rate, OUTPUT_RATE).resample(pcm)
        return time.perf_counter() - started
