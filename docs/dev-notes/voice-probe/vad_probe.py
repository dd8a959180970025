"""Silero v6 VAD on bare onnxruntime (no torch). Usage: python vad_probe.py speech16k.wav [model.onnx]"""
import sys, time, wave, importlib.util, os
import numpy as np, onnxruntime as ort

def default_model():
    spec = importlib.util.find_spec("faster_whisper")
    return os.path.join(os.path.dirname(spec.origin), "assets", "silero_vad_v6.onnx")

def read_wav(path):
    with wave.open(path) as w:
        sr = w.getframerate(); pcm = np.frombuffer(w.readframes(w.getnframes()), np.int16)
    return pcm.astype(np.float32) / 32768.0, sr

class SileroVAD:
    def __init__(self, path, sr=16000):
        so = ort.SessionOptions(); so.intra_op_num_threads = 1; so.inter_op_num_threads = 1; so.log_severity_level = 3
        self.s = ort.InferenceSession(path, sess_options=so, providers=["CPUExecutionProvider"])
        self.sr = sr
        names = [i.name for i in self.s.get_inputs()]
        # two interfaces: the faster-whisper asset (input[n,576], h, c; 16 kHz only) and the
        # silero-vad wheel's silero_vad.onnx (input[1,ctx+win], state[2,1,128], sr int64; 16k/8k)
        self.seq = "h" in names
        if self.seq and sr != 16000:
            raise ValueError("faster-whisper's silero_vad_v6.onnx is 16 kHz only")
        self.win = 512 if sr == 16000 else 256          # 32 ms
        self.ctx_len = 64 if sr == 16000 else 32        # v5/v6 need the previous 64 (32) samples prepended
        self.reset()
    def reset(self):
        self.state = np.zeros((2, 1, 128), np.float32)
        self.h = np.zeros((1, 1, 128), np.float32); self.c = np.zeros((1, 1, 128), np.float32)
        self.ctx = np.zeros((1, self.ctx_len), np.float32)
    def __call__(self, chunk):
        x = np.concatenate([self.ctx, chunk.reshape(1, -1)], axis=1)
        if self.seq:
            out, self.h, self.c = self.s.run(None, {"input": x, "h": self.h, "c": self.c})
            out = out.reshape(1, 1)
        else:
            out, self.state = self.s.run(None, {"input": x, "state": self.state, "sr": np.array(self.sr, np.int64)})
        self.ctx = x[:, -self.ctx_len:]
        return float(out[0, 0])

if __name__ == "__main__":
    model = sys.argv[2] if len(sys.argv) > 2 else default_model()
    t0 = time.perf_counter(); vad = SileroVAD(model, 16000); print(f"load {1e3*(time.perf_counter()-t0):.1f} ms  model={model}")
    print("inputs ", [(i.name, i.type, i.shape) for i in vad.s.get_inputs()])
    print("outputs", [(o.name, o.type, o.shape) for o in vad.s.get_outputs()])
    for path in sys.argv[1:2]:
        audio, sr = read_wav(path)
        vad = SileroVAD(model, sr)
        pad = np.zeros(sr // 2, np.float32)                  # 0.5 s silence around it
        audio = np.concatenate([pad, audio, pad])
        n = len(audio) // vad.win
        probs = []
        t0 = time.perf_counter()
        for i in range(n):
            probs.append(vad(audio[i * vad.win:(i + 1) * vad.win]))
        dt = time.perf_counter() - t0
        probs = np.array(probs)
        print(f"{path}: sr={sr} windows={n} ({vad.win} samples) {1e6*dt/n:.0f} us/window")
        print("  speech windows (p>0.5):", int((probs > 0.5).sum()), " first onset at", float(np.argmax(probs > 0.5) * vad.win / sr), "s")
        print("  probs:", " ".join(f"{p:.2f}" for p in probs[::3]))
    # silence + white noise
    for name, sig in [("silence", np.zeros(16000 * 3, np.float32)), ("noise-0.05", np.random.default_rng(0).normal(0, .05, 16000 * 3).astype(np.float32))]:
        vad = SileroVAD(model, 16000); probs = [vad(sig[i*512:(i+1)*512]) for i in range(len(sig)//512)]
        print(f"{name}: max p={max(probs):.3f}")
    # timing loop, many windows
    vad = SileroVAD(model, 16000); x = np.random.default_rng(1).normal(0, .1, 512).astype(np.float32)
    for _ in range(50): vad(x)
    N = 2000; t0 = time.perf_counter()
    for _ in range(N): vad(x)
    print(f"steady state: {1e6*(time.perf_counter()-t0)/N:.0f} us per 32 ms window (1 intra-op thread)")
