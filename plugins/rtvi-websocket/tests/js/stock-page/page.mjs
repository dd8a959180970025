// A client developer's page on its own origin (a dev server on another port):
// the stock @pipecat-ai/client-js + @pipecat-ai/websocket-transport, bundled,
// calling startBotAndConnect on a bot of another origin — a cross-origin POST
// with a CORS preflight, then the WebSocket. The driver
// (tests/browser/stock-page.mjs at the repo root) runs a scenario script (its scenario.mjs) with
// window.runScenario and reads the events it returns.

import { LogLevel, PipecatClient, RTVIEvent } from "@pipecat-ai/client-js";
import { WavMediaManager, WebSocketTransport } from "@pipecat-ai/websocket-transport";
import { countingMediaManager, createScenario } from "../../../../../tests/browser/scenario.mjs";

/** Microphone rate and chunk size of the stock transport's defaults. */
const RECORDER_RATE = 16000;
const RECORDER_CHUNK_BYTES = 512;

/** Event data as JSON (tracks and errors reduced to what identifies them). */
function plain(data) {
  return JSON.parse(
    JSON.stringify(data ?? null, (_key, value) => {
      if (value instanceof Error) return { name: value.name, message: value.message };
      if (typeof MediaStreamTrack !== "undefined" && value instanceof MediaStreamTrack) return { kind: value.kind, id: value.id };
      return value;
    }),
  );
}

/**
 * Runs `script` against the bot whose start endpoint is `startUrl`; resolves with
 * every event, {event, data}, ending with "done" or "harnessError".
 */
window.runScenario = async (startUrl, script, timeoutSecs) => {
  const lines = [];
  const emit = (event, data) => lines.push({ event, data: plain(data) });
  const received = { frames: 0, bytes: 0 };
  const CountingMediaManager = countingMediaManager(WavMediaManager, received, (bytes) => emit("botAudio", { bytes }));
  const transport = new WebSocketTransport({
    mediaManager: new CountingMediaManager(RECORDER_CHUNK_BYTES, RECORDER_RATE),
    recorderSampleRate: RECORDER_RATE,
  });
  const client = new PipecatClient({ transport, enableMic: true, enableCam: false });
  client.setLogLevel(LogLevel.WARN);
  const scenario = createScenario({
    client,
    RTVIEvent,
    emit,
    timeoutSecs,
    audio: () => ({ received }),
    connect: () => client.startBotAndConnect({ endpoint: startUrl, requestData: { createdBy: "stock-page" } }),
  });
  try {
    await scenario.run(script);
    emit("done", { received, pageOrigin: window.location.origin });
  } catch (error) {
    emit("harnessError", { message: error?.message ?? String(error) });
  }
  return lines;
};
