"""espeak-ng through ctypes (no compiled binding of our own): synchronous synthesis with a
callback that receives PCM and WORD/SENTENCE events. Usage:
  python tts_espeak_probe.py [path/to/libespeak-ng.so [data_dir_parent_or_None]]
Defaults to the espeakng-loader wheel; the Debian lib is /usr/lib/x86_64-linux-gnu/libespeak-ng.so.1."""
import ctypes as C, sys, time, wave
import numpy as np

class EVENT_ID(C.Union):
    _fields_ = [("number", C.c_int), ("name", C.c_char_p), ("string", C.c_char * 8)]
class EVENT(C.Structure):
    _fields_ = [("type", C.c_int), ("unique_identifier", C.c_uint), ("text_position", C.c_int),
                ("length", C.c_int), ("audio_position", C.c_int), ("sample", C.c_int),
                ("user_data", C.c_void_p), ("id", EVENT_ID)]
EV_LIST_TERMINATED, EV_WORD, EV_SENTENCE, EV_MARK, EV_PLAY, EV_END, EV_MSG_TERMINATED, EV_PHONEME = range(8)
AUDIO_OUTPUT_SYNCHRONOUS = 2
POS_CHARACTER = 1
espeakCHARS_UTF8 = 1
SYNTH_CB = C.CFUNCTYPE(C.c_int, C.POINTER(C.c_short), C.c_int, C.POINTER(EVENT))

if len(sys.argv) > 1:
    lib_path = sys.argv[1]; data = (sys.argv[2] if len(sys.argv) > 2 else None)
else:
    import espeakng_loader
    lib_path = espeakng_loader.get_library_path(); data = espeakng_loader.get_data_path()
t0 = time.perf_counter()
lib = C.CDLL(lib_path)
lib.espeak_Initialize.restype = C.c_int
lib.espeak_Initialize.argtypes = [C.c_int, C.c_int, C.c_char_p, C.c_int]
lib.espeak_Synth.argtypes = [C.c_void_p, C.c_size_t, C.c_uint, C.c_int, C.c_uint, C.c_uint, C.POINTER(C.c_uint), C.c_void_p]
lib.espeak_SetVoiceByName.argtypes = [C.c_char_p]
lib.espeak_Info.restype = C.c_char_p; lib.espeak_Info.argtypes = [C.POINTER(C.c_char_p)]
# the data path is the espeak-ng-data directory itself for espeak-ng >= 1.51 (its parent also works)
sr = lib.espeak_Initialize(AUDIO_OUTPUT_SYNCHRONOUS, 0, data.encode() if data else None, 0)
assert lib.espeak_SetVoiceByName(b"en-us") == 0
print(f"lib {lib_path} version {lib.espeak_Info(None).decode()} sample_rate {sr} init {1e3*(time.perf_counter()-t0):.1f} ms")

state = {}
@SYNTH_CB
def on_synth(wav, n, events):
    if state["first"] is None and n > 0: state["first"] = time.perf_counter() - state["t0"]
    if n > 0: state["pcm"].append(np.ctypeslib.as_array(wav, (n,)).copy())
    i = 0
    while events[i].type != EV_LIST_TERMINATED:
        e = events[i]
        if e.type in (EV_WORD, EV_SENTENCE):
            state["events"].append(("word" if e.type == EV_WORD else "sentence", e.text_position, e.length, e.audio_position, e.sample))
        i += 1
    return 0  # 1 would abort synthesis
lib.espeak_SetSynthCallback(on_synth)

text = "The weather in Paris is sunny today. It will be around twenty degrees this afternoon."
for run in range(3):
    state.update(t0=time.perf_counter(), first=None, pcm=[], events=[])
    b = text.encode()
    lib.espeak_Synth(b, len(b) + 1, 0, POS_CHARACTER, 0, espeakCHARS_UTF8, None, None)
    lib.espeak_Synchronize()
    total = time.perf_counter() - state["t0"]; pcm = np.concatenate(state["pcm"])
    print(f"run{run}: first audio {state['first']*1e3:.1f} ms, total {total*1e3:.1f} ms for {len(pcm)/sr:.2f} s audio, {len(state['pcm'])} callbacks")
words = [(text[p-1:p-1+l], ms) for kind, p, l, ms, smp in state["events"] if kind == "word"]   # text_position is 1-based
print("word events (word, audio ms):", words)
with wave.open("espeak_out.wav", "wb") as w:
    w.setnchannels(1); w.setsampwidth(2); w.setframerate(sr); w.writeframes(pcm.astype(np.int16).tobytes())
