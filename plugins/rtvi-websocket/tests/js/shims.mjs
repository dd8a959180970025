// Minimal browser shims so the stock @pipecat-ai/client-js +
// @pipecat-ai/websocket-transport (WavMediaManager) run in Node >= 20.
//
// What is shimmed (and nothing else):
//   window                     -> globalThis (client-js reads window?.navigator)
//   navigator.userAgent        -> a Node UA string (client-ready "about")
//   navigator.mediaDevices     -> one fake mic; getUserMedia returns a fake stream
//   navigator.permissions      -> query() always "granted" (wavtools listDevices)
//   AudioContext               -> a clock-driven fake that runs the package's own
//                                 AudioWorklet processors (recorder + player)
//   AudioWorkletNode           -> instantiates the registered processor, wires
//                                 a MessageChannel, pumps process() in real time
// WebSocket is Node's own (undici): Node 20 needs `--experimental-websocket`
// (Node >= 22 has it by default); installShims() throws a clear error if it is
// missing. It is wrapped to fix one Node 20 undici bug: a failed handshake
// (e.g. connection refused) fires `error` but never `close`, and the stock
// ReconnectingWebSocket only rejects connect() on `close` (else it waits 150 s);
// and, given an `origin`, to send it as the upgrade's Origin header (undici's
// `headers` option), as a browser page of that origin would.
//
// The worklet sources are evaluated from the packages' own blob: URLs, so the
// stock recorder/player message protocol (receipts, offsets, interrupt, stop)
// is exercised unmodified. Played bot audio is reported through onPlayed().

import { resolveObjectURL } from "node:buffer";
import vm from "node:vm";

const QUANTUM = 128; // Web Audio render quantum (frames)
const PUMP_MS = 10;

/**
 * Float32 samples the fake microphone produces for the render quantum that
 * starts at `frame`. `signal` is "silence", "tone" (440 Hz, -20 dBFS) or
 * {samples: Float32Array, sampleRate, startFrame} (played once from frame
 * `startFrame`, silence before and after; linearly resampled to the context
 * rate). A startFrame of "next" starts it at the next quantum.
 */
function micQuantum(signal, frame, sampleRate) {
  const out = new Float32Array(QUANTUM);
  if (signal === "tone") {
    for (let i = 0; i < QUANTUM; i++) {
      out[i] = 0.1 * Math.sin((2 * Math.PI * 440 * (frame + i)) / sampleRate);
    }
  } else if (signal?.samples) {
    if (signal.startFrame === "next") signal.startFrame = frame;
    const { samples, startFrame = 0 } = signal;
    const step = signal.sampleRate / sampleRate;
    for (let i = 0; i < QUANTUM && frame >= startFrame; i++) {
      const pos = (frame + i - startFrame) * step;
      const j = Math.floor(pos);
      if (j + 1 >= samples.length) break;
      out[i] = samples[j] + (samples[j + 1] - samples[j]) * (pos - j);
    }
  }
  if (frame === 0 && out[0] === 0) {
    // The stock recorder worklet drops input until it sees one non-zero
    // sample ("foundAudio"); a single 2-LSB click unblocks it.
    out[0] = 2 / 32768;
  }
  return out;
}

class FakeTrack {
  constructor(signal) {
    this.kind = "audio";
    this.id = "fake-mic-track";
    this.label = "Fake microphone";
    this.enabled = true;
    this.muted = false;
    this.readyState = "live";
    this.signal = signal;
  }
  stop() {
    this.readyState = "ended";
  }
  getSettings() {
    return { deviceId: "fake-mic", groupId: "fake", sampleRate: 48000, channelCount: 1 };
  }
  addEventListener() {}
  removeEventListener() {}
}

class FakeMediaStream {
  constructor(tracks = []) {
    this.id = "fake-stream";
    this._tracks = tracks;
  }
  getTracks() {
    return [...this._tracks];
  }
  getAudioTracks() {
    return this._tracks.filter((t) => t.kind === "audio");
  }
  getVideoTracks() {
    return [];
  }
}

const DEVICES = [
  { deviceId: "fake-mic", groupId: "fake", kind: "audioinput", label: "Fake microphone" },
  { deviceId: "fake-speaker", groupId: "fake", kind: "audiooutput", label: "Fake speaker" },
];

class FakeAnalyser {
  constructor() {
    this.fftSize = 2048;
    this.smoothingTimeConstant = 0.8;
    this.minDecibels = -100;
    this.maxDecibels = -30;
  }
  get frequencyBinCount() {
    return this.fftSize / 2;
  }
  getFloatFrequencyData(arr) {
    arr.fill(-Infinity);
  }
  getByteFrequencyData(arr) {
    arr.fill(0);
  }
  connect(node) {
    return node;
  }
  disconnect() {}
}

class FakeSourceNode {
  constructor(context, stream) {
    this.context = context;
    this.mediaStream = stream;
  }
  connect(node) {
    if (node && "_inputs" in node) node._inputs.push(this);
    return node;
  }
  disconnect() {}
}

// name -> processor class, filled by evaluating worklet module sources.
const processorRegistry = new Map();
let pendingPort = null;

class AudioWorkletProcessor {
  constructor() {
    this.port = pendingPort;
  }
}

async function loadWorkletModule(url, sampleRate) {
  let source;
  if (url.startsWith("blob:")) {
    const blob = resolveObjectURL(url);
    if (!blob) throw new Error(`unknown blob URL ${url}`);
    source = await blob.text();
  } else {
    source = await (await fetch(url)).text();
  }
  const sandbox = {
    AudioWorkletProcessor,
    registerProcessor: (name, cls) => processorRegistry.set(name, cls),
    console,
    sampleRate,
    currentFrame: 0,
    currentTime: 0,
  };
  vm.runInNewContext(source, sandbox, { filename: url });
}

/**
 * Runs a registered processor in real time: every PUMP_MS it calls process()
 * for each render quantum that is due, feeding mic input from connected fake
 * sources and handing player output to the audio sink.
 */
class FakeAudioWorkletNode {
  constructor(context, name) {
    const cls = processorRegistry.get(name);
    if (!cls) throw new Error(`AudioWorkletNode: processor "${name}" not registered`);
    const channel = new MessageChannel();
    this.context = context;
    this.port = channel.port1;
    this._inputs = [];
    pendingPort = channel.port2;
    try {
      this._processor = new cls();
    } finally {
      pendingPort = null;
    }
    this._frame = 0;
    this._stopped = false;
    this._start = performance.now();
    this._timer = setInterval(() => this._pump(), PUMP_MS);
    this._timer.unref();
    context._nodes.add(this);
  }

  _pump() {
    const rate = this.context.sampleRate;
    const due = Math.floor(((performance.now() - this._start) / 1000) * rate);
    while (this._frame + QUANTUM <= due) {
      const source = this._inputs[0];
      const input = source ? [micQuantum(source.mediaStream.getAudioTracks()[0]?.signal, this._frame, rate)] : [];
      const output = [new Float32Array(QUANTUM)];
      const alive = this._processor.process([input], [output], {});
      if (!source) this.context._played(output[0]);
      this._frame += QUANTUM;
      if (alive === false) {
        this._stop();
        return;
      }
    }
  }

  _stop() {
    if (this._stopped) return;
    this._stopped = true;
    clearInterval(this._timer);
    this.context._nodes.delete(this);
    // Let the final 'stop' message reach the main thread before closing.
    setTimeout(() => {
      this.port.close();
      this._processor.port.close();
    }, 50).unref();
  }

  connect(node) {
    return node;
  }
  disconnect() {
    this._stop();
  }
}

/** Node's WebSocket, plus the spec's `close` (1006) after a failed handshake, sending `origin` if given. */
function closingWebSocket(Base, origin) {
  return class WebSocket extends Base {
    constructor(url, protocols) {
      super(url, origin ? { protocols, headers: { Origin: origin } } : protocols);
      // (Node 20's socket even stays in readyState CONNECTING after this.)
      let opened = false;
      let closed = false;
      this.addEventListener("open", () => (opened = true));
      this.addEventListener("close", () => (closed = true));
      this.addEventListener("error", () => {
        setTimeout(() => {
          if (opened || closed) return;
          const ev = new Event("close");
          Object.defineProperties(ev, {
            code: { value: 1006 },
            reason: { value: "connection failed" },
            wasClean: { value: false },
          });
          this.dispatchEvent(ev);
        }, 0);
      });
    }
  };
}

/** Called with every Float32 quantum a player node renders. */
let playedSink = () => {};

class FakeAudioContext {
  constructor({ sampleRate = 48000 } = {}) {
    this.sampleRate = sampleRate;
    this.state = "running";
    this.destination = { connect() {}, disconnect() {} };
    this.audioWorklet = { addModule: (url) => loadWorkletModule(url, sampleRate) };
    this._nodes = new Set();
    this._t0 = performance.now();
  }
  get currentTime() {
    return (performance.now() - this._t0) / 1000;
  }
  _played(quantum) {
    playedSink(quantum, this.sampleRate);
  }
  async resume() {
    this.state = "running";
  }
  async suspend() {
    this.state = "suspended";
  }
  async close() {
    for (const n of this._nodes) n._stop();
    this.state = "closed";
  }
  async setSinkId() {}
  createAnalyser() {
    return new FakeAnalyser();
  }
  createMediaStreamSource(stream) {
    return new FakeSourceNode(this, stream);
  }
}

/**
 * Installs the shims on globalThis (idempotent).
 * @param {{mic?: "silence"|"tone"|{samples: Float32Array, sampleRate: number, startFrame?: number|"next"},
 *          origin?: string, onPlayed?: (q: Float32Array, rate: number) => void}} opts
 *   mic: what the fake microphone captures; origin: the Origin header of every
 *   WebSocket; onPlayed: receives every rendered player quantum (128 frames,
 *   after the stock stream_processor worklet).
 */
export function installShims({ mic = "silence", origin, onPlayed } = {}) {
  if (typeof globalThis.WebSocket !== "function") {
    throw new Error(
      "No global WebSocket: run Node 20 with --experimental-websocket (Node >= 22 has it built in)"
    );
  }
  if (!globalThis.WebSocket.__rtviShim) {
    globalThis.WebSocket = closingWebSocket(globalThis.WebSocket, origin);
    globalThis.WebSocket.__rtviShim = true;
  }
  if (onPlayed) playedSink = onPlayed;
  if (typeof globalThis.window === "undefined") globalThis.window = globalThis;
  const mediaDevices = {
    async getUserMedia(constraints) {
      if (!constraints?.audio) throw new Error("fake getUserMedia only provides audio");
      return new FakeMediaStream([new FakeTrack(mic)]);
    },
    async enumerateDevices() {
      return DEVICES.map((d) => ({ ...d, toJSON: () => d }));
    },
    addEventListener() {},
    removeEventListener() {},
  };
  const permissions = { query: async () => ({ state: "granted", onchange: null }) };
  const nav = {
    userAgent: `Node.js/${process.versions.node} (rtvi-websocket e2e harness)`,
    mediaDevices,
    permissions,
  };
  if (globalThis.navigator) {
    // Node >= 21 ships a minimal navigator (userAgent "Node.js/<major>").
    for (const [key, value] of Object.entries({ mediaDevices, permissions })) {
      Object.defineProperty(globalThis.navigator, key, { value, configurable: true });
    }
  } else {
    Object.defineProperty(globalThis, "navigator", { value: nav, configurable: true, writable: true });
  }
  globalThis.MediaStream = FakeMediaStream;
  globalThis.AudioContext = FakeAudioContext;
  globalThis.AudioWorkletNode = FakeAudioWorkletNode;
}
