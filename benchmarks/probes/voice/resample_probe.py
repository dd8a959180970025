"""Compare resamplers for 22050->16000, 24000->16000, 16000->24000 and 48000->16000: speed and quality
(sine SNR + stop-band leakage). Usage: python resample_probe.py"""
import time
import numpy as np
from fractions import Fraction

def sine(sr, f, secs=2.0):
    t = np.arange(int(sr * secs)) / sr
    return (0.5 * np.sin(2 * np.pi * f * t)).astype(np.float32)

def snr_db(y, sr, f):
    n = len(y); y = y[n // 10: -n // 10]; t = (np.arange(len(y)) + n // 10) / sr
    A = np.stack([np.sin(2*np.pi*f*t), np.cos(2*np.pi*f*t)], 1)
    c, *_ = np.linalg.lstsq(A, y, rcond=None); r = y - A @ c
    return 10 * np.log10(np.sum((A @ c) ** 2) / np.sum(r ** 2))

def leak_db(y):  # energy left after downsampling a tone above the new Nyquist (should be ~ -inf)
    return 10 * np.log10(np.mean(y[len(y)//10:-len(y)//10] ** 2) / 0.125 + 1e-30)

def numpy_poly(x, sr_in, sr_out, taps_per_phase=32):
    """numpy-only polyphase (windowed-sinc) resampler, what a dependency-free core could ship."""
    fr = Fraction(sr_out, sr_in); up, down = fr.numerator, fr.denominator
    cutoff = 0.95 * min(1.0, up / down) / up   # normalised to the upsampled rate's Nyquist... (per-phase sinc)
    n = taps_per_phase * up
    k = np.arange(-n, n + 1)
    h = np.sinc(cutoff * k) * cutoff * np.kaiser(len(k), 8.6) * up
    # polyphase: output sample m uses upsampled index m*down
    out_len = int(len(x) * up // down)
    idx = np.arange(out_len) * down                       # positions in the upsampled signal
    base = idx // up; phase = idx % up
    # taps for each phase: h[phase + j*up] multiplies x[base - j + n//up]
    offs = np.arange(-(n // up), n // up + 1)
    xp = np.pad(x, (n // up + 1, n // up + 1))
    hp = np.zeros((up, len(offs)), np.float32)
    for p in range(up):
        for jj, j in enumerate(offs):
            kk = p - j * up + n
            if 0 <= kk < len(h): hp[p, jj] = h[kk]
    out = np.empty(out_len, np.float32)
    B = 4096
    for s in range(0, out_len, B):
        b = base[s:s+B]; ph = phase[s:s+B]
        seg = xp[(b[:, None] + offs[None, :] + n // up + 1)]
        out[s:s+B] = np.sum(seg * hp[ph], axis=1)
    return out

meths = {}
try:
    import soxr
    meths["soxr HQ"] = lambda x, a, b: soxr.resample(x, a, b, quality="HQ")
    meths["soxr QQ"] = lambda x, a, b: soxr.resample(x, a, b, quality="QQ")
    def soxr_stream(x, a, b):
        rs = soxr.ResampleStream(a, b, 1, dtype="float32", quality="HQ")
        n = a // 50  # 20 ms chunks, as a pipeline would feed them
        return np.concatenate([rs.resample_chunk(x[i:i+n], last=(i + n >= len(x))) for i in range(0, len(x), n)])
    meths["soxr HQ stream 20ms"] = soxr_stream
except ImportError: pass
try:
    import samplerate
    meths["samplerate sinc_fastest"] = lambda x, a, b: samplerate.resample(x, b / a, "sinc_fastest")
    meths["samplerate sinc_best"] = lambda x, a, b: samplerate.resample(x, b / a, "sinc_best")
except ImportError: pass
meths["numpy polyphase (32 taps/phase)"] = numpy_poly
meths["numpy linear interp"] = lambda x, a, b: np.interp(np.arange(int(len(x)*b/a)) * a / b, np.arange(len(x)), x).astype(np.float32)

for a, b in [(22050, 16000), (22050, 24000), (24000, 16000), (16000, 24000), (48000, 16000)]:
    print(f"--- {a} -> {b}")
    x = sine(a, 1000.0, 10.0); hi = sine(a, 0.45 * a if b > a else 0.5 * b + 0.4 * (0.5 * a - 0.5 * b), 2.0)
    for name, f in meths.items():
        f(x[:a], a, b)
        t = time.perf_counter(); y = f(x, a, b); dt = time.perf_counter() - t
        extra = "" if b > a else f"  alias leak {leak_db(f(hi, a, b)):6.1f} dB"
        print(f"{name:32s} {1e3*dt/10:7.2f} ms per audio second  SNR(1 kHz) {snr_db(np.asarray(y, np.float32)[:len(y)], b, 1000.0):6.1f} dB{extra}")
