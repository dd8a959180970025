// The playground page: wires the controls, the transcript and the event log
// to one Session per Connect.

import "./playground.css"; // bundled into playground.css next to playground.js
import { describeClose, describeConnectError, isNormalClose } from "./describe-error.js";
import { EventLog } from "./event-log.js";
import { Session, TRANSPORTS } from "./session.js";
import { Transcript } from "./transcript.js";

/** The server's start endpoint, relative to the page (same origin, no CDN, no config). */
const START_URL = new URL("start", window.location.href).href;

/** Client events worth a log line of their own (RTVI messages are logged as they pass). */
const LOGGED_CLIENT_EVENTS = new Set(["transportStateChanged", "botStarted", "deviceError", "mediaStateUpdated"]);

const $ = (id) => document.getElementById(id);
const ui = {
  state: $("connection-state"),
  transport: $("transport-select"),
  connect: $("connect-button"),
  disconnect: $("disconnect-button"),
  mic: $("mic-button"),
  micState: $("mic-state"),
  botAudio: $("bot-audio"),
  error: $("error-message"),
  textForm: $("text-form"),
  textInput: $("text-input"),
  send: $("send-button"),
  clearLog: $("clear-log-button"),
};
const log = new EventLog($("event-log"));
const transcript = new Transcript($("transcript"));

let session = null; // the current Session, or null when disconnected
let micEnabled = true;
let usesBotOutput = true; // bot-output from RTVI 1.1 on; older bots only send bot-transcription

function setState(state) {
  ui.state.textContent = state;
  ui.state.dataset.state = state;
  const idle = session === null;
  ui.connect.disabled = !idle;
  ui.transport.disabled = !idle;
  ui.disconnect.disabled = idle || state === "disconnecting";
  ui.textInput.disabled = ui.send.disabled = state !== "ready";
}

/** Shows a message in the alert area; `kind` "error" (default) or "notice". */
function showMessage(text, kind = "error") {
  ui.error.textContent = text;
  ui.error.dataset.kind = kind;
  ui.error.hidden = false;
}

function clearMessage() {
  ui.error.hidden = true;
  ui.error.textContent = "";
}

function renderMic() {
  ui.mic.setAttribute("aria-pressed", String(micEnabled));
  ui.mic.textContent = micEnabled ? "Mic on" : "Mic off";
}

/** `state`: off (not asked yet), capturing, stopped, error. */
function renderMicState(state, text) {
  ui.micState.dataset.state = state;
  ui.micState.textContent = `mic: ${text}`;
}

/**
 * Bot audio received (frames, or WebRTC packets; seconds; the rate it arrives at), the rate
 * the player runs at (0: unknown) and, over WebRTC, the audio energy received.
 */
const botAudio = { frames: 0, seconds: 0, sampleRate: 0, playerRate: 0, energy: 0 };

function renderBotAudio(update) {
  Object.assign(botAudio, update);
  const { frames, seconds, sampleRate, playerRate } = botAudio;
  for (const [key, value] of Object.entries(botAudio)) ui.botAudio.dataset[key] = String(value);
  const player = playerRate ? `, played at ${playerRate} Hz` : "";
  const unit = session?.transportName === "webrtc" ? "Opus packets" : "frames";
  ui.botAudio.textContent = frames
    ? `bot audio: ${frames} ${unit}, ${seconds.toFixed(2)} s at ${sampleRate} Hz${player}`
    : `bot audio: none yet${player}`;
}

/**
 * Offers the transports the server serves (its /health lists them, the bot
 * file's own first); the others stay in the list, disabled, with the bot-file
 * key that serves them.
 */
async function loadTransports() {
  let served = ["websocket"];
  try {
    const health = await (await fetch(new URL("health", window.location.href))).json();
    if (Array.isArray(health.transports)) served = health.transports;
  } catch {
    // an older server: WebSocket only
  }
  ui.transport.replaceChildren();
  for (const [name, label] of Object.entries(TRANSPORTS)) {
    const option = new Option(label, name, false, name === served[0]);
    if (!served.includes(name)) {
      option.disabled = true;
      option.title = `not served by this bot: add also_serve = ["${name}"] to its [transport] table`;
      option.textContent = `${label} (not served)`;
    }
    ui.transport.append(option);
  }
}

/** Hooks of one session; events of an older session (late callbacks) are ignored. */
function hooksFor(getSession) {
  const inbound = new WeakSet(); // server messages, so their client events are not logged twice
  const current = () => getSession() === session;
  return {
    onMessage(direction, message) {
      if (!current()) return;
      if (direction === "in") inbound.add(message);
      log.add(direction, message.type, message.data);
    },
    onClientEvent(name, data) {
      if (!current()) return;
      if (LOGGED_CLIENT_EVENTS.has(name)) log.add("client", name, data);
      if (name === "error" && !inbound.has(data)) log.add("client", "error", data?.data ?? data);
      handleClientEvent(name, data);
    },
    onSocketClosed(code, reason) {
      if (!current()) return;
      const text = `The server closed the connection: ${describeClose(code, reason)}.`;
      log.add("client", "socketClosed", { code, reason });
      showMessage(text, isNormalClose(code) ? "notice" : "error");
    },
    onBotAudio(frames, seconds, sampleRate, energy = 0) {
      if (current()) renderBotAudio({ frames, seconds, sampleRate, energy });
    },
    onPlayerRate(playerRate) {
      if (current()) renderBotAudio({ playerRate });
    },
  };
}

function handleClientEvent(name, data) {
  switch (name) {
    case "transportStateChanged":
      setState(data);
      break;
    case "botReady":
      usesBotOutput = versionAtLeast(data?.version, [1, 1]);
      break;
    case "userTranscript":
      transcript.userTranscription(data);
      break;
    case "botOutput":
      if (usesBotOutput) transcript.botOutput(data);
      break;
    case "botTranscript":
      if (!usesBotOutput) transcript.botTranscript(data.text);
      break;
    case "botLlmStarted":
    case "botStoppedSpeaking":
      transcript.endBotTurn();
      break;
    case "error": {
      const detail = data?.data?.error ?? data?.data?.message ?? JSON.stringify(data);
      showMessage(data?.data?.fatal ? `Fatal error: ${detail}` : `Bot error: ${detail}`);
      break;
    }
    case "messageError":
      showMessage(`Request failed: ${data?.data?.error ?? JSON.stringify(data)}`);
      break;
    case "deviceError":
      showMessage(`Microphone unavailable (${data?.type ?? "error"}): ${data?.message ?? data}. Text still works.`);
      break;
    case "mediaStateUpdated":
      if (data.mic.state === "error") renderMicState("error", `unavailable (${data.mic.reason})`);
      break;
    case "trackStarted":
    case "trackStopped":
      if (data[0]?.kind === "audio" && data[1]?.local) {
        renderMicState(name === "trackStarted" ? "capturing" : "stopped", name === "trackStarted" ? "capturing" : "not capturing");
      }
      break;
    case "disconnected":
      endSession();
      break;
  }
}

function versionAtLeast(version, minimum) {
  const parts = String(version ?? "0").split(".").map(Number);
  for (let i = 0; i < minimum.length; i++) {
    if ((parts[i] || 0) !== minimum[i]) return (parts[i] || 0) > minimum[i];
  }
  return true;
}

function endSession() {
  session = null;
  setState("disconnected");
}

async function connect() {
  if (session) return;
  clearMessage();
  transcript.clear();
  renderBotAudio({ frames: 0, seconds: 0, sampleRate: 0, playerRate: 0, energy: 0 });
  usesBotOutput = true;
  const transport = ui.transport.value || "websocket";
  log.add("client", "connect", { endpoint: START_URL, transport });
  const mine = new Session(hooksFor(() => mine), { micEnabled, transport });
  session = mine;
  setState("initializing");
  try {
    if (micEnabled && !(await mine.openMicrophone()) && session === mine) {
      micEnabled = false;
      renderMic();
      showMessage("The microphone is unavailable (no permission or no device): text only.", "notice");
    }
    await mine.connect(START_URL);
  } catch (error) {
    if (session !== mine) return; // disconnected meanwhile
    showMessage(describeConnectError(error, START_URL));
    log.add("client", "connectFailed", error instanceof Error ? error.message : String(error));
    endSession();
    mine.disconnect().catch(() => {});
  }
}

async function disconnect() {
  const mine = session;
  if (!mine) return;
  setState("disconnecting");
  try {
    await mine.disconnect();
  } catch (error) {
    // e.g. the stock recorder's end() when the microphone never opened: the session is over anyway
    log.add("client", "disconnectError", error instanceof Error ? error.message : String(error));
  } finally {
    if (session === mine) endSession();
  }
}

async function sendText(event) {
  event.preventDefault();
  const text = ui.textInput.value.trim();
  if (!text || !session) return;
  ui.textInput.value = "";
  transcript.userTyped(text);
  try {
    await session.sendText(text);
  } catch (error) {
    showMessage(`Sending the text failed: ${error?.message ?? error}`);
  }
}

function toggleMic() {
  micEnabled = !micEnabled;
  renderMic();
  session?.setMic(micEnabled);
  log.add("client", "micToggled", { enabled: micEnabled });
}

ui.connect.addEventListener("click", connect);
ui.disconnect.addEventListener("click", disconnect);
ui.mic.addEventListener("click", toggleMic);
ui.textForm.addEventListener("submit", sendText);
ui.clearLog.addEventListener("click", () => log.clear());
// The stock libraries leave some promises unhandled (e.g. the recorder's device
// lookup when a session ends right after it began): logged, not alarming.
window.addEventListener("unhandledrejection", (event) => {
  log.add("client", "unhandledRejection", event.reason?.message ?? String(event.reason));
});
renderMic();
renderMicState("off", "not started");
renderBotAudio({});
endSession();
loadTransports();
