#!/usr/bin/env node
// End-to-end harness: drives the stock @pipecat-ai/client-js +
// @pipecat-ai/websocket-transport against an RTVI WebSocket server.
//
// Usage (Node 20 needs the flag; Node >= 22 does not):
//   node --experimental-websocket e2e-client.mjs --ws-url ws://127.0.0.1:8765/ws
//   node --experimental-websocket e2e-client.mjs --start-url http://127.0.0.1:8765/start
// Options:
//   --scenario basic      built-in step script (see SCENARIOS; default "basic")
//   --script <file|->     JSON array of steps instead, from a file or stdin (ops: see tests/browser/scenario.mjs at the repo root)
//   --timeout <seconds>   per-step timeout (default 10)
//   --mic silence|tone|off  fake microphone signal; "off" = enableMic:false (default silence)
//   --mic-wav <file>      fake microphone plays this 16-bit PCM WAV once (mono or first channel)
//   --say-wav <file>      fake microphone is silent, and plays this WAV once at each "say" step
//   --origin <origin>     send this Origin header on POST /start and the WebSocket
//                         upgrade, as a browser page of that origin would
//   --text <str>          text for sendText (default "hello")
//   --log-audio           also log one line per received bot audio frame
//
// stdout: one JSON object per line, {"event": <name>, "data": <payload>}.
//   Every client event (RTVIEvent names) is logged, plus harness lines:
//   "botAudio" (per frame, with --log-audio), "audioSummary" (expectAudio),
//   "step" (before each step), "clientRequestResult"/"clientRequestError",
//   "done" and, on failure, "harnessError".
// stderr: client/library logs. Exit code 0 = scenario passed, 1 = failed.

import { readFileSync } from "node:fs";
import { format } from "node:util";
import { countingMediaManager, createScenario } from "../../../../tests/browser/scenario.mjs";
import { installShims } from "./shims.mjs";

// Library logs must not pollute the JSON-lines stdout.
for (const level of ["log", "info", "debug", "warn", "error", "trace"]) {
  console[level] = (...args) => process.stderr.write(format(...args) + "\n");
}

function parseArgs(argv) {
  const opts = { scenario: "basic", timeout: 10, mic: "silence", text: "hello", logAudio: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const next = () => {
      if (i + 1 >= argv.length) fail(`missing value for ${a}`);
      return argv[++i];
    };
    if (a === "--ws-url") opts.wsUrl = next();
    else if (a === "--start-url") opts.startUrl = next();
    else if (a === "--scenario") opts.scenario = next();
    else if (a === "--script") opts.script = next();
    else if (a === "--timeout") opts.timeout = Number(next());
    else if (a === "--mic") opts.mic = next();
    else if (a === "--mic-wav") opts.micWav = next();
    else if (a === "--say-wav") opts.sayWav = next();
    else if (a === "--origin") opts.origin = next();
    else if (a === "--text") opts.text = next();
    else if (a === "--log-audio") opts.logAudio = true;
    else fail(`unknown argument ${a}`);
  }
  if (!opts.wsUrl === !opts.startUrl) fail("give exactly one of --ws-url or --start-url");
  if (!["silence", "tone", "off"].includes(opts.mic)) fail(`bad --mic ${opts.mic}`);
  if (opts.micWav && opts.sayWav) fail("give at most one of --mic-wav and --say-wav");
  return opts;
}

/** First channel of a 16-bit PCM WAV file as Float32 samples. */
function readWav(path) {
  const buf = readFileSync(path);
  if (buf.toString("ascii", 0, 4) !== "RIFF" || buf.toString("ascii", 8, 12) !== "WAVE") fail(`${path}: not a WAV file`);
  let fmt = null;
  for (let pos = 12; pos + 8 <= buf.length; ) {
    const id = buf.toString("ascii", pos, pos + 4);
    const size = buf.readUInt32LE(pos + 4);
    const body = pos + 8;
    if (id === "fmt ") {
      fmt = { format: buf.readUInt16LE(body), channels: buf.readUInt16LE(body + 2), rate: buf.readUInt32LE(body + 4), bits: buf.readUInt16LE(body + 14) };
    } else if (id === "data") {
      if (!fmt || fmt.format !== 1 || fmt.bits !== 16) fail(`${path}: only 16-bit PCM WAV is supported`);
      const n = Math.floor(Math.min(size, buf.length - body) / (2 * fmt.channels));
      const samples = new Float32Array(n);
      for (let i = 0; i < n; i++) samples[i] = buf.readInt16LE(body + i * 2 * fmt.channels) / 32768;
      return { samples, sampleRate: fmt.rate };
    }
    pos = body + size + (size & 1);
  }
  fail(`${path}: no data chunk`);
}

function emit(event, data) {
  process.stdout.write(JSON.stringify({ event, data: data ?? null }, jsonSafe) + "\n");
}

function jsonSafe(_key, value) {
  if (typeof value === "bigint") return value.toString();
  if (value instanceof Error) return { name: value.name, message: value.message };
  if (value && typeof value === "object" && typeof value.kind === "string" && "readyState" in value) {
    return { kind: value.kind, id: value.id, label: value.label }; // MediaStreamTrack
  }
  return value;
}

function fail(message) {
  emit("harnessError", { message });
  process.stderr.write(`e2e-client: FAILED: ${message}\n`);
  process.exit(1);
}

const opts = parseArgs(process.argv.slice(2));

const played = { quanta: 0, nonSilentSamples: 0 };
/** The fake microphone's signal (see shims.mjs): a WAV plays from its startFrame on. */
function micSignal() {
  if (opts.micWav) return { ...readWav(opts.micWav), startFrame: 0 };
  if (opts.sayWav) return { ...readWav(opts.sayWav), startFrame: Infinity }; // silent until "say"
  return opts.mic === "off" ? "silence" : opts.mic;
}
const mic = micSignal();
try {
  installShims({
    mic,
    origin: opts.origin,
    onPlayed: (quantum) => {
      played.quanta++;
      for (let i = 0; i < quantum.length; i++) if (quantum[i] !== 0) played.nonSilentSamples++;
    },
  });
} catch (e) {
  fail(e.message);
}

const { PipecatClient, RTVIEvent, LogLevel } = await import("@pipecat-ai/client-js");
const { WebSocketTransport, WavMediaManager } = await import("@pipecat-ai/websocket-transport");

const RECORDER_RATE = 16000;
const received = { frames: 0, bytes: 0 };

const CountingMediaManager = countingMediaManager(WavMediaManager, received, (bytes) => {
  if (opts.logAudio) emit("botAudio", { bytes });
});

const transport = new WebSocketTransport({
  // The default DailyMediaManager needs daily-js (browser call object); the
  // stock WavMediaManager only needs the Web Audio shims. 512-byte chunks at
  // 16 kHz match the transport's own defaults.
  mediaManager: new CountingMediaManager(512, RECORDER_RATE),
  recorderSampleRate: RECORDER_RATE,
});

const client = new PipecatClient({
  transport,
  enableMic: opts.mic !== "off",
  enableCam: false,
});
client.setLogLevel(LogLevel.WARN);

const scenario = createScenario({
  client,
  RTVIEvent,
  emit,
  timeoutSecs: opts.timeout,
  defaultText: opts.text,
  audio: () => ({ received, played }),
  say: opts.sayWav ? () => (mic.startFrame = "next") : undefined,
  connect: () =>
    opts.startUrl
      ? client.startBotAndConnect({
          endpoint: opts.startUrl,
          requestData: { createdBy: "e2e-client" },
          headers: opts.origin ? new Headers({ Origin: opts.origin }) : undefined,
        })
      : client.connect({ wsUrl: opts.wsUrl }),
});

const SCENARIOS = {
  basic: [
    { op: "connect" },
    { op: "sendText" },
    { op: "waitFor", event: "botStartedSpeaking" },
    { op: "waitFor", event: "botStoppedSpeaking" },
    { op: "expectAudio", minBytes: 1 },
    { op: "request", t: "ping", d: { n: 1 } },
    { op: "disconnectBot" },
    { op: "waitFor", event: "disconnected" },
  ],
};

async function loadScript() {
  if (opts.script === undefined) {
    const script = SCENARIOS[opts.scenario];
    if (!script) fail(`unknown scenario ${opts.scenario}`);
    return script;
  }
  const text = opts.script === "-" ? readFileSync(0, "utf8") : readFileSync(opts.script, "utf8");
  return JSON.parse(text);
}

try {
  await scenario.run(await loadScript());
} catch (e) {
  fail(e?.message ?? String(e));
}
emit("done", { received, played });
process.exit(0);
