#!/usr/bin/env node
// End-to-end harness: drives the stock @pipecat-ai/client-js +
// @pipecat-ai/websocket-transport against an RTVI WebSocket server.
//
// Usage (Node 20 needs the flag; Node >= 22 does not):
//   node --experimental-websocket e2e-client.mjs --ws-url ws://127.0.0.1:8765/ws
//   node --experimental-websocket e2e-client.mjs --start-url http://127.0.0.1:8765/start
// Options:
//   --scenario basic      built-in step script (see SCENARIOS; default "basic")
//   --script <file|->     JSON array of steps instead, from a file or stdin, e.g.
//       [{"op":"connect"},{"op":"sendText","text":"hi"},
//        {"op":"waitFor","event":"botStoppedSpeaking"},{"op":"expectAudio","minBytes":1920},
//        {"op":"request","t":"ping","d":{"n":1},"expect":{"pong":{"n":1}}},
//        {"op":"disconnectBot"},{"op":"waitFor","event":"disconnected"}]
//     ops: connect, waitFor{event}, sendText{text,options}, sendClientMessage{t,d},
//          request{t,d,expect?}, expectAudio{minBytes}, disconnectBot, disconnect, sleep{ms}
//     waitFor consumes events in order: it matches the first `event` logged after
//     the event the previous waitFor matched, so nothing fired meanwhile is missed.
//   --timeout <seconds>   per-step timeout (default 10)
//   --mic silence|tone|off  fake microphone signal; "off" = enableMic:false (default silence)
//   --mic-wav <file>      fake microphone plays this 16-bit PCM WAV once (mono or first channel)
//   --text <str>          text for sendText (default "hello")
//   --log-audio           also log one line per received bot audio frame
//
// stdout: one JSON object per line, {"event": <name>, "data": <payload>}.
//   Every client event (RTVIEvent names) is logged, plus harness lines:
//   "botAudio" (per frame, with --log-audio), "audioSummary" (expectAudio),
//   "step" (before each step), "clientRequestResult", "done" and, on failure,
//   "harnessError".
// stderr: client/library logs. Exit code 0 = scenario passed, 1 = failed.

import { readFileSync } from "node:fs";
import { format } from "node:util";
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
    else if (a === "--text") opts.text = next();
    else if (a === "--log-audio") opts.logAudio = true;
    else fail(`unknown argument ${a}`);
  }
  if (!opts.wsUrl === !opts.startUrl) fail("give exactly one of --ws-url or --start-url");
  if (!["silence", "tone", "off"].includes(opts.mic)) fail(`bad --mic ${opts.mic}`);
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
try {
  installShims({
    mic: opts.micWav ? readWav(opts.micWav) : opts.mic === "off" ? "silence" : opts.mic,
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

/** Stock WavMediaManager that also counts the bot audio the transport hands it. */
class CountingMediaManager extends WavMediaManager {
  bufferBotAudio(data, id) {
    received.frames++;
    received.bytes += data.byteLength;
    if (opts.logAudio) emit("botAudio", { bytes: data.byteLength });
    return super.bufferBotAudio(data, id);
  }
}

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

// Every event is logged and kept, so `waitFor` steps never miss an event
// that fired while an earlier step was running.
const history = []; // {name, data}
let cursor = 0; // history index after the event the last waitFor consumed
const waiters = new Set(); // pending waitFor checks, re-run on every event
for (const name of Object.values(RTVIEvent)) {
  client.on(name, (...args) => {
    const data = args.length <= 1 ? args[0] : args;
    emit(name, data);
    history.push({ name, data });
    for (const check of waiters) check();
  });
}

/** Resolves with the data of the first `name` event after the cursor. */
function waitFor(name) {
  let check;
  const found = new Promise((resolve) => {
    check = () => {
      const i = history.findIndex((h, j) => j >= cursor && h.name === name);
      if (i < 0) return;
      waiters.delete(check);
      cursor = i + 1;
      resolve(history[i].data);
    };
    waiters.add(check);
    check();
  });
  return withTimeout(found, name).finally(() => waiters.delete(check));
}

function withTimeout(promise, what) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timeout after ${opts.timeout}s waiting for ${what}`)), opts.timeout * 1000);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** Step operations of a scenario script; each gets the step object. */
const ops = {
  async connect() {
    const connecting = opts.startUrl
      ? client.startBotAndConnect({ endpoint: opts.startUrl, requestData: { createdBy: "e2e-client" } })
      : client.connect({ wsUrl: opts.wsUrl });
    connecting.catch((e) => fail(`connect failed: ${e?.message ?? e}`));
    await waitFor(RTVIEvent.BotReady);
    await withTimeout(connecting, "connect() to resolve");
  },
  waitFor: ({ event }) => waitFor(event),
  sendText: ({ text = opts.text, options = {} }) => client.sendText(text, options),
  sendClientMessage: ({ t, d }) => client.sendClientMessage(t, d),
  async request({ t, d, expect }) {
    const reply = await client.sendClientRequest(t, d, opts.timeout * 1000);
    emit("clientRequestResult", reply);
    if (expect !== undefined && JSON.stringify(reply) !== JSON.stringify(expect)) {
      throw new Error(`request ${t}: expected ${JSON.stringify(expect)}, got ${JSON.stringify(reply)}`);
    }
  },
  expectAudio({ minBytes = 1 }) {
    emit("audioSummary", { received, played });
    if (received.bytes < minBytes) throw new Error(`expected >= ${minBytes} bot audio bytes, got ${received.bytes}`);
  },
  disconnectBot: () => client.disconnectBot(),
  disconnect: () => client.disconnect(),
  sleep: ({ ms }) => new Promise((r) => setTimeout(r, ms)),
};

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

const script = await loadScript();
try {
  for (const [i, stepDef] of script.entries()) {
    const run = ops[stepDef.op];
    if (!run) throw new Error(`step ${i}: unknown op ${stepDef.op}`);
    emit("step", { index: i, ...stepDef });
    await run(stepDef);
  }
} catch (e) {
  fail(e?.message ?? String(e));
}
emit("done", { received, played });
process.exit(0);
