// One connection of the page to the bot: the stock PipecatClient over the
// stock WebSocketTransport or SmallWebRTCTransport (the page's transport
// switch), with small subclasses that observe every inbound and outbound RTVI
// message and the bot's audio. Over WebSocket: the socket's close code and
// reason, every bot audio frame, played at the rate it arrives at
// (bot-audio.js). Over WebRTC: the bot's Opus track, played in an audio
// element, measured with getStats. A new Session is built for every Connect:
// the stock player marks its track interrupted for good on disconnect, so a
// reused client would play no audio in its next session.

import { PipecatClient, RTVIEvent } from "@pipecat-ai/client-js";
import { SmallWebRTCTransport, WavMediaManager } from "@pipecat-ai/small-webrtc-transport";
import { WebSocketTransport } from "@pipecat-ai/websocket-transport";
import { RateFollowingMediaManager, RateKeepingSerializer, STOCK_PLAYER_RATE } from "./bot-audio.js";

/** The transports the page can connect with: the `transport` of POST /start → the label shown. */
export const TRANSPORTS = { websocket: "WebSocket", webrtc: "WebRTC" };

/** WebRTC audio is Opus, decoded by the browser at 48 kHz. */
const OPUS_RATE = 48000;

/** Microphone chunk size (bytes) and rate: what the stock Daily media manager uses (spec §15.1). */
const RECORDER_CHUNK_BYTES = 512;
const RECORDER_SAMPLE_RATE = 16000;

/**
 * @typedef {object} SessionHooks
 * @property {(direction: "in" | "out", message: {type: string, id?: string, data?: unknown}) => void} onMessage
 *   every RTVI message received from or sent to the bot
 * @property {(event: string, data: unknown) => void} onClientEvent every client event (RTVIEvent)
 * @property {(code: number, reason: string) => void} onSocketClosed the server closed the socket
 * @property {(frames: number, seconds: number, sampleRate: number, energy?: number) => void} onBotAudio
 *   running totals of received bot audio (WebSocket frames or WebRTC packets), the rate of the
 *   last frame, and (WebRTC) the audio energy received, which grows only while the bot speaks
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

/**
 * Stock SmallWebRTC transport that reports what it sends. Its microphone comes
 * through the stock WavMediaManager (getUserMedia), not the default
 * DailyMediaManager, which loads Daily's bundle from a CDN at connect: the page
 * needs nothing beyond the bot's server.
 */
class ObservedWebRTCTransport extends SmallWebRTCTransport {
  /** @param {SessionHooks} hooks */
  constructor(hooks) {
    super({ mediaManager: new WavMediaManager() });
    this.hooks = hooks;
  }

  sendMessage(message) {
    this.hooks.onMessage("out", message);
    super.sendMessage(message);
  }

  /** The bot audio received so far (inbound-rtp of the peer connection): packets, seconds, energy. */
  async botAudio() {
    const totals = { packets: 0, seconds: 0, energy: 0 };
    const stats = await this.pc?.getStats();
    for (const report of stats?.values() ?? []) {
      if (report.type === "inbound-rtp" && report.kind === "audio") {
        totals.packets += report.packetsReceived ?? 0;
        totals.seconds += report.totalSamplesDuration ?? 0;
        totals.energy += report.totalAudioEnergy ?? 0;
      }
    }
    return totals;
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
   * @param {{micEnabled: boolean, transport?: keyof TRANSPORTS}} options
   */
  constructor(hooks, { micEnabled, transport = "websocket" }) {
    this.transportName = transport;
    this.transport = transport === "webrtc" ? new ObservedWebRTCTransport(hooks) : new ObservedTransport(hooks);
    this.client = new ObservedClient({ hooks, transport: this.transport, enableMic: micEnabled, enableCam: false });
    for (const name of Object.values(RTVIEvent)) {
      this.client.on(name, (...args) => hooks.onClientEvent(name, args.length <= 1 ? args[0] : args));
    }
    if (transport === "webrtc") this.playBotTrack(hooks);
  }

  /**
   * Over WebRTC the transport plays nothing itself (as in any SmallWebRTC app):
   * the bot's track goes to an audio element (without one Chrome decodes
   * nothing), and what arrived is reported from getStats twice a second.
   */
  playBotTrack(hooks) {
    this.player = new Audio();
    this.player.autoplay = true;
    this.client.on(RTVIEvent.TrackStarted, (track, participant) => {
      if (participant?.local || track.kind !== "audio") return;
      this.player.srcObject = new MediaStream([track]);
      this.player.play().catch((error) => console.warn("rtvi playground: bot audio:", error));
      hooks.onPlayerRate(OPUS_RATE);
    });
    this.statsTimer = setInterval(async () => {
      const { packets, seconds, energy } = await this.transport.botAudio();
      hooks.onBotAudio(packets, seconds, OPUS_RATE, energy);
    }, 500);
    this.client.on(RTVIEvent.Disconnected, () => clearInterval(this.statsTimer));
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

  /**
   * POSTs to `endpoint` (the server's /start, naming the transport), then connects
   * as its answer says (a wsUrl, or a WebRTC session's offer); resolves on bot-ready.
   */
  connect(endpoint) {
    const requestData = { client: "rtvi-playground", transport: this.transportName };
    return this.client.startBotAndConnect({ endpoint, requestData });
  }

  async disconnect() {
    try {
      return await this.client.disconnect();
    } finally {
      clearInterval(this.statsTimer);
      if (this.player) this.player.srcObject = null;
    }
  }

  /** Sends `send-text` with the default options (run immediately, spoken reply): a user turn. */
  sendText(text) {
    return this.client.sendText(text);
  }

  setMic(enabled) {
    this.client.enableMic(enabled);
  }
}
