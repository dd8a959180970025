"""pocketsphinx 5 (model in the wheel), streaming 20 ms chunks. Usage: python stt_pocketsphinx_probe.py a16k.wav ..."""
import sys, time, wave
t0 = time.perf_counter()
from pocketsphinx import Decoder
dec = Decoder(samprate=16000, loglevel="FATAL")       # default en-us acoustic model + LM + dict from the wheel
print(f"import+load {time.perf_counter()-t0:.2f} s")
for p in sys.argv[1:]:
    w = wave.open(p); pcm = w.readframes(w.getnframes()); dur = w.getnframes() / w.getframerate()
    t0 = time.perf_counter(); dec.start_utt()
    for i in range(0, len(pcm), 640):
        dec.process_raw(pcm[i:i+640], False, False)
    partial = dec.hyp().hypstr if dec.hyp() else ""
    t1 = time.perf_counter(); dec.end_utt(); t2 = time.perf_counter()
    hyp = dec.hyp().hypstr if dec.hyp() else ""
    print(f"{p} ({dur:.2f} s): feed {1e3*(t1-t0):.0f} ms, end_utt {1e3*(t2-t1):.0f} ms -> {hyp!r} (partial before end: {partial!r})")
    print("   words:", [(s.word, round(s.start_frame / 100, 2)) for s in dec.seg()][:12])
