// A client developer's page on its own origin (a dev server on another loopback
// port): the stock @pipecat-ai/client-js + @pipecat-ai/small-webrtc-transport,
// bundled, calling startBotAndConnect on a bot of another origin — a
// cross-origin POST /start with a CORS preflight, then the offer and the
// trickled candidates (POST/PATCH /sessions/{id}/api/offer), then RTVI on the
// "chat" data channel and the bot's Opus track. The shared driver
// (tests/browser/stock-page.mjs at the repo root) runs a scenario script (its
// scenario.mjs) with window.runScenario and reads the events it returns.
//
// The microphone comes through the stock WavMediaManager (exported by the
// transport package): the transport's default, DailyMediaManager, loads Daily's
// call-machine bundle from c.daily.co at connect, and this page may reach
// loopback only. Either one hands the transport the getUserMedia track it sends.
//
// As an app does (the transport itself plays nothing), the page plays the bot's
// track in an <audio> element: without one Chrome decodes nothing. What it
// played is measured with getStats (inbound-rtp totalAudioEnergy), read from
// the peer connections the transport creates (recorded, not changed, below).

import { LogLevel, PipecatClient, RTVIEvent } from "@pipecat-ai/client-js";
import { SmallWebRTCTransport, WavMediaManager } from "@pipecat-ai/small-webrtc-transport";
import { createScenario } from "../../../../../tests/browser/scenario.mjs";

/** Every RTCPeerConnection the transport makes, for getStats. */
const peerConnections = [];
const NativePeerConnection = window.RTCPeerConnection;
window.RTCPeerConnection = class RecordedPeerConnection extends NativePeerConnection {
  constructor(...args) {
    super(...args);
    peerConnections.push(this);
  }
};

/** Event data as JSON (tracks and errors reduced to what identifies them). */
function plain(data) {
  return JSON.parse(
    JSON.stringify(data ?? null, (_key, value) => {
      if (value instanceof Error) return { name: value.name, message: value.message };
      if (value instanceof MediaStreamTrack) return { kind: value.kind, id: value.id };
      return value;
    }),
  );
}

/**
 * The bot audio the page decoded so far (inbound-rtp of the last peer connection;
 * once it is closed, what it had): {energy, samples, packets, rtpBytes, audioLevel}
 * plus the selected candidate pair's addresses.
 */
let lastTotals = { energy: 0, samples: 0, packets: 0, rtpBytes: 0, audioLevel: 0, pair: null };
async function received() {
  const pc = peerConnections.at(-1);
  if (!pc || pc.connectionState === "closed") return lastTotals; // what it had received before it closed
  const totals = { energy: 0, samples: 0, packets: 0, rtpBytes: 0, audioLevel: 0, pair: null };
  const stats = await pc.getStats();
  for (const report of stats.values()) {
    if (report.type === "inbound-rtp" && report.kind === "audio") {
      totals.energy += report.totalAudioEnergy ?? 0;
      totals.samples += report.totalSamplesReceived ?? 0;
      totals.packets += report.packetsReceived ?? 0;
      totals.rtpBytes += report.bytesReceived ?? 0;
      totals.audioLevel = Math.max(totals.audioLevel, report.audioLevel ?? 0);
    }
    if (report.type === "candidate-pair" && report.nominated && report.state === "succeeded") {
      const local = stats.get(report.localCandidateId);
      const remote = stats.get(report.remoteCandidateId);
      totals.pair = { local: local?.address, remote: remote?.address, protocol: local?.protocol };
    }
  }
  lastTotals = totals;
  return totals;
}

/**
 * Runs `script` against the bot whose start endpoint is `startUrl`; resolves with
 * every event, {event, data}, ending with "done" or "harnessError".
 * `options.transport`: SmallWebRTCTransport constructor options (e.g.
 * {waitForICEGathering: true}, as Pipecat's prebuilt UI sets); `options.requestData`:
 * the body of POST /start (default {createdBy: "stock-webrtc-page"}).
 */
window.runScenario = async (startUrl, script, timeoutSecs, options = {}) => {
  const lines = [];
  const emit = (event, data) => lines.push({ event, data: plain(data) });
  const transport = new SmallWebRTCTransport({ mediaManager: new WavMediaManager(), ...options.transport });
  const client = new PipecatClient({ transport, enableMic: true, enableCam: false });
  client.setLogLevel(LogLevel.WARN);
  const player = document.getElementById("bot-audio");
  const botTracks = [];
  client.on(RTVIEvent.TrackStarted, (track, participant) => {
    if (participant?.local || track.kind !== "audio") return;
    botTracks.push(track.id);
    player.srcObject = new MediaStream([track]);
    player.play().catch((error) => emit("playFailed", { message: error?.message ?? String(error) }));
  });
  const scenario = createScenario({
    client,
    RTVIEvent,
    emit,
    timeoutSecs,
    audio: async () => ({ received: await received() }),
    connect: () =>
      client.startBotAndConnect({ endpoint: startUrl, requestData: options.requestData ?? { createdBy: "stock-webrtc-page" } }),
  });
  try {
    await scenario.run(script);
    emit("done", {
      received: await received(),
      botTracks,
      peerConnections: peerConnections.map((pc) => pc.connectionState),
      pageOrigin: window.location.origin,
    });
  } catch (error) {
    emit("harnessError", { message: error?.message ?? String(error), received: await received().catch(() => null) });
  }
  return lines;
};
