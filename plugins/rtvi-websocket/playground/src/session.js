// One connection of the page to the bot: the stock PipecatClient over the
// stock WebSocketTransport, with small subclasses that observe (every inbound
// and outbound RTVI message, the socket's close code and reason, every bot
// audio frame) and play bot audio at the rate it arrives at (bot-audio.js).
// A new Session is built for every Connect: the stock player marks its track
// interrupted for good on disconnect, so a reused client would play no audio
// in its next session.

import { PipecatClient, RTVIEvent } from "@pipecat-ai/client-js";
import { WebSocketTransport } from "@pipecat-ai/websocket-transport";
import { RateFollowingMediaManager, RateKeepingSerializer, STOCK_PLAYER_RATE } from "./bot-audio.js";

/** Microphone chunk size (bytes) and rate: what the stock Daily media manager uses (spec §15.1). */
const RECORDER_CHUNK_BYTES = 512;
const RECORDER_SAMPLE_RATE = 16000;

/**
 * @typedef {object} SessionHooks
 * @property {(direction: "in" | "out", message: {type: string, id?: string, data?: unknown}) => void} onMessage
 *   every RTVI message received from or sent to the bot
 * @property {(event: string, data: unknown) => void} onClientEvent every client event (RTVIEvent)
 * @property {(code: number, reason: string) => void} onSocketClosed the server closed the socket
 * @property {(frames: number, seconds: number, sampleRate: number) => void} onBotAudio
 *   running totals of received bot audio, and the rate of the last frame
 * @property {(sampleRate: number) => void} onPlayerRate the rate the bot audio player runs at, when it starts
 */

/** Media manager (stock, playing at the audio's rate) that also counts the bot audio the transport hands it. */
class CountingMediaManager extends RateFollowingMediaManager {
  /** @param {SessionHooks} hooks */
  constructor(hooks) {
    super(RECORDER_CHUNK_BYTES, RECORDER_SAMPLE_RATE, hooks.onPlayerRate);
    this.frames = 0;
    this.seconds = 0;
    this.onBotAudio = hooks.onBotAudio;
  }

  bufferBotAudio(data, id) {
    const rate = data.sampleRate || STOCK_PLAYER_RATE;
    this.frames += 1;
    this.seconds += data.length / rate;
    this.onBotAudio(this.frames, this.seconds, rate);
    return super.bufferBotAudio(data, id);
  }

  async disconnect() {
    try {
      await super.disconnect();
    } catch (error) {
      // The stock recorder's end() throws when it never began (no microphone permission);
      // the transport must still go on to close the socket, or the server keeps the session.
      console.warn("rtvi playground: media manager disconnect:", error);
    }
  }
}

/** Stock transport that reports what it sends and why its socket closed. */
class ObservedTransport extends WebSocketTransport {
  /** @param {SessionHooks} hooks */
  constructor(hooks) {
    super({
      mediaManager: new CountingMediaManager(hooks),
      serializer: new RateKeepingSerializer(),
      recorderSampleRate: RECORDER_SAMPLE_RATE,
    });
    this.hooks = hooks;
  }

  sendMessage(message) {
    this.hooks.onMessage("out", message);
    super.sendMessage(message);
  }

  initializeWebsocket() {
    const ws = super.initializeWebsocket();
    // The stock handler keeps only the code; the socket also gives the reason.
    ws.on("close", (code, reason) => this.hooks.onSocketClosed(code, reason ?? ""));
    return ws;
  }
}

/** Stock client whose message handler, the one every inbound RTVI message goes through, is observed. */
class ObservedClient extends PipecatClient {
  /** @param {object} options PipecatClient options plus `hooks` */
  constructor({ hooks, ...options }) {
    super(options);
    this.hooks = hooks;
  }

  handleMessage(message) {
    this.hooks.onMessage("in", message);
    super.handleMessage(message);
  }
}

export class Session {
  /**
   * @param {SessionHooks} hooks
   * @param {{micEnabled: boolean}} options
   */
  constructor(hooks, { micEnabled }) {
    this.client = new ObservedClient({
      hooks,
      transport: new ObservedTransport(hooks),
      enableMic: micEnabled,
      enableCam: false,
    });
    for (const name of Object.values(RTVIEvent)) {
      this.client.on(name, (...args) => hooks.onClientEvent(name, args.length <= 1 ? args[0] : args));
    }
  }

  /**
   * Asks for the microphone now rather than inside connect, and turns it off
   * when it is unavailable (no permission, no device): the stock recorder
   * would otherwise fail the whole connect. Returns whether it is usable.
   */
  async openMicrophone() {
    try {
      await this.client.initDevices();
    } catch {
      // reported through the deviceError event; the mic state below tells
    }
    const usable = this.client.mediaState.mic.state !== "error";
    if (!usable) this.client.enableMic(false);
    return usable;
  }

  /** POSTs to `endpoint` (the server's /start), connects to the wsUrl it returns, resolves on bot-ready. */
  connect(endpoint) {
    return this.client.startBotAndConnect({ endpoint, requestData: { client: "rtvi-playground" } });
  }

  disconnect() {
    return this.client.disconnect();
  }

  /** Sends `send-text` with the default options (run immediately, spoken reply): a user turn. */
  sendText(text) {
    return this.client.sendText(text);
  }

  setMic(enabled) {
    this.client.enableMic(enabled);
  }
}
