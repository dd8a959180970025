"""Median over rounds of every metric in results.json, with ratio to the FastAPI/uvicorn reference.
Run: python summarize.py results.json  (prints a Markdown table)"""
import json
import statistics
import sys

res = json.load(open(sys.argv[1] if len(sys.argv) > 1 else "results.json"))
kinds = list(dict.fromkeys(r["kind"] for r in res))
kinds.sort(key=lambda k: (k != "fastapi", k))
med = lambda xs: statistics.median(xs) if xs else float("nan")  # noqa: E731


def get(kind, path):
    out = []
    for r in res:
        if r["kind"] != kind:
            continue
        v = r
        for p in path.split("."):
            v = v.get(p) if isinstance(v, dict) else None
        if v is not None:
            out.append(v)
    return out


ref = {}
rows = []
metrics = [("m1.cpu_us_per_rt", "CPU/rt M=1 µs"), ("m10.cpu_us_per_rt", "CPU/rt M=10 µs"),
           ("m50.cpu_us_per_rt", "CPU/rt M=50 µs"), ("m200.cpu_us_per_rt", "CPU/rt M=200 µs"),
           ("idle_rss_per_conn_kib", "idle RSS/conn KiB"), ("start_cpu_us", "CPU/POST /start µs")]
lat = [("m1", "M=1"), ("m10", "M=10"), ("m50", "M=50"), ("m200", "M=200")]
print("| server | rounds | " + " | ".join(n for _, n in metrics) + " | " +
      " | ".join(f"p50/p99 {n} ms" for _, n in lat) + " |")
print("|---" * (2 + len(metrics) + len(lat)) + "|")
for k in kinds:
    cells = [k, str(len(get(k, "kind")))]
    for path, _ in metrics:
        v = med(get(k, path))
        if k == "fastapi":
            ref[path] = v
            cells.append(f"{v:.0f}" if v == v else "n/a")
        else:
            r = ref.get(path)
            cells.append(f"{v:.0f} ({v / r:.2f}×)" if r and v == v else (f"{v:.0f}" if v == v else "n/a"))
    for m, _ in lat:
        cells.append(f"{med(get(k, m + '.p50_ms')):.2f} / {med(get(k, m + '.p99_ms')):.2f}")
    print("| " + " | ".join(cells) + " |")
print()
print("spread (min–max over rounds) of CPU/rt M=1 and M=200, idle RSS/conn:")
for k in kinds:
    a, b, c = get(k, "m1.cpu_us_per_rt"), get(k, "m200.cpu_us_per_rt"), get(k, "idle_rss_per_conn_kib")
    rng = lambda xs, f: f"{min(xs):{f}}–{max(xs):{f}}" if xs else "n/a"  # noqa: E731
    print(f"  {k}: {rng(a, '.0f')} | {rng(b, '.0f')} | {rng(c, '.1f')}")
print("HTTP statuses (POST /start with JSON body, POST /start empty, GET /health, GET /):")
for k in kinds:
    r = next(r for r in res if r["kind"] == k)
    if "start_status" in r:
        print(f"  {k}: {r['start_status']} {r['start_empty_status']} {r['health_status']} {r['index_status']}")
