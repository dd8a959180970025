#!/usr/bin/env node
// Drives the playground page in Debian's headless Chromium (playwright-core,
// executablePath /usr/bin/chromium: no browser download) for
// tests/test_playground.py.
//
// Usage: node drive.mjs --url http://127.0.0.1:PORT/ --scenario NAME --out DIR
//          [--mic-wav FILE] [--timeout SECONDS] [--chromium PATH]
// Scenarios (SCENARIOS below): conversation, voice, voice-recorded, bot-audio,
// no-mic-permission, start-unreachable, start-errors, injected-messages,
// socket-closed, webrtc.
//
// stdout: one JSON object per line: {"step", "snapshot"} after each step (the
// page's visible state, see snapshot()), then {"done": {...}} or, on failure,
// {"failed": message, "screenshot": path}. Exit 0 = every step passed.
// Every request the page makes to a host other than loopback is aborted and
// reported in done.external (the page must need no CDN).

import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { openBrowser } from "../../../../tests/browser/chromium.mjs";
import { parseOptions } from "../../../../tests/browser/options.mjs";

const opts = parseOptions(process.argv.slice(2), { timeout: 15 }, ["url", "scenario", "out"]);
opts.timeout = Number(opts.timeout) * 1000;
const emit = (obj) => process.stdout.write(JSON.stringify(obj) + "\n");

/** The page's visible state: what a person sees, read from the DOM by id. */
function snapshot(page) {
  return page.evaluate(() => {
    const $ = (id) => document.getElementById(id);
    const texts = (root, selector) => [...root.querySelectorAll(selector)].map((e) => e.textContent).join("");
    return {
      state: $("connection-state").dataset.state,
      stateText: $("connection-state").textContent,
      buttons: Object.fromEntries(
        ["connect-button", "disconnect-button", "send-button", "mic-button"].map((id) => [id, !$(id).disabled]),
      ),
      micPressed: $("mic-button").getAttribute("aria-pressed"),
      micState: $("mic-state").dataset.state,
      botAudioFrames: Number($("bot-audio").dataset.frames),
      botAudio: Object.fromEntries(
        ["frames", "seconds", "sampleRate", "playerRate", "energy"].map((key) => [key, Number($("bot-audio").dataset[key])]),
      ),
      transport: $("transport-select").value,
      transports: [...$("transport-select").options].map((o) => [o.value, !o.disabled]),
      transportEnabled: !$("transport-select").disabled,
      message: $("error-message").hidden ? null : { text: $("error-message").textContent, kind: $("error-message").dataset.kind },
      transcript: [...$("transcript").children].map((li) => ({
        role: li.dataset.role,
        text: li.querySelector(".text").textContent,
        final: texts(li, ".final"),
        interim: texts(li, ".interim"),
        pending: texts(li, ".pending"),
      })),
      log: [...$("event-log").children].map((li) => [li.dataset.dir, li.dataset.type]),
      // scenarios that call recordLog(): every log entry with its data, in order (see there)
      ...(window.recordedLog ? { recorded: window.recordedLog() } : {}),
    };
  });
}

/**
 * From now on, records every entry the page adds to its log as {dir, type, data,
 * frames}: `data` is the entry's data (parsed back from the JSON the log shows, up to
 * 4000 characters), `frames` the bot audio frames the page had received when the
 * entry was added. One MutationObserver watches both the log and the audio counter,
 * and a MutationObserver receives its records in the order the changes happened, so
 * `frames` is exact. snapshot() reports the entries as `recorded`.
 */
const recordLog = (page) =>
  page.evaluate(() => {
    const log = document.getElementById("event-log");
    const audio = document.getElementById("bot-audio");
    const entries = []; // {dir, type, data, frames}; frames: null until the next counter change
    const parse = (li) => {
      const text = li.querySelector(".log-data")?.title;
      if (text === undefined) return null;
      try {
        return JSON.parse(text);
      } catch {
        return text;
      }
    };
    const settle = (frames) => {
      for (let i = entries.length - 1; i >= 0 && entries[i].frames === null; i--) entries[i].frames = frames;
    };
    const handle = (records) => {
      for (const record of records) {
        if (record.type === "attributes") {
          settle(Number(record.oldValue)); // the counter's value until this change
        } else {
          for (const li of record.addedNodes) entries.push({ dir: li.dataset.dir, type: li.dataset.type, data: parse(li), frames: null });
        }
      }
    };
    const observer = new MutationObserver(handle);
    observer.observe(log, { childList: true });
    observer.observe(audio, { attributes: true, attributeFilter: ["data-frames"], attributeOldValue: true });
    window.recordedLog = () => {
      handle(observer.takeRecords()); // the changes not delivered yet
      return entries.map((entry) => ({ ...entry, frames: entry.frames ?? Number(audio.dataset.frames) }));
    };
  });

/** Waits until the page's log has an entry of `type` (direction `dir`, default inbound). */
const logged = (page, type, dir = "in") =>
  page.waitForSelector(`#event-log li[data-dir="${dir}"][data-type="${type}"]`, { state: "attached", timeout: opts.timeout });
const stateIs = (page, state) =>
  page.waitForSelector(`#connection-state[data-state="${state}"]`, { state: "attached", timeout: opts.timeout });
const messageShown = (page) => page.waitForSelector("#error-message:not([hidden])", { timeout: opts.timeout });

async function connect(page) {
  await page.getByRole("button", { name: "Connect", exact: true }).click();
  await stateIs(page, "ready");
  await logged(page, "bot-ready");
}

async function sendText(page, text) {
  await page.getByLabel("Message").fill(text);
  await page.getByRole("button", { name: "Send" }).click();
}

/** Waits until the bot started and stopped speaking after the last text sent. */
const replied = (page) =>
  page.waitForFunction(
    () => {
      const types = [...document.querySelectorAll("#event-log li")].map((li) => li.dataset.type);
      const started = types.indexOf("bot-started-speaking", types.lastIndexOf("send-text"));
      return types.includes("send-text") && started > 0 && types.indexOf("bot-stopped-speaking", started) > 0;
    },
    null,
    { timeout: opts.timeout },
  );

const toggleMic = (page) => page.getByRole("button", { name: "Microphone" }).click();

/**
 * Clicks Disconnect; then the server's /health must soon count no session (the
 * socket or the peer connection was closed) and no open peer connection.
 */
async function disconnect(page) {
  await page.getByRole("button", { name: "Disconnect" }).click();
  await stateIs(page, "disconnected");
  const deadline = Date.now() + opts.timeout;
  const health = () => page.evaluate(async () => (await fetch("health")).json());
  for (let now = await health(); now.sessions !== 0 || (now.peer_connections ?? 0) !== 0; now = await health()) {
    if (Date.now() > deadline) throw new Error(`the page disconnected but the server still counts ${JSON.stringify(now)}`);
    await page.waitForTimeout(200);
  }
}

/** Answers /start with `routeHandler` for one Connect click; the page must show a message and allow Connect again. */
async function connectWith(page, step, routeHandler) {
  await page.route("**/start", routeHandler);
  await page.getByRole("button", { name: "Connect", exact: true }).click();
  await messageShown(page);
  await page.waitForSelector("#connect-button:not([disabled])", { timeout: opts.timeout });
  await page.unroute("**/start");
  await step(routeHandler.name);
}

/** A protobuf `pipecat.Frame` carrying one RTVI message (spec §15.1: field 4 message, its field 1 data). */
function rtviFrame(message) {
  const lengthDelimited = (fieldNo, bytes) => {
    const length = [];
    for (let n = bytes.length; ; n >>>= 7) {
      if (n < 0x80) {
        length.push(n);
        break;
      }
      length.push((n & 0x7f) | 0x80);
    }
    return Buffer.concat([Buffer.from([(fieldNo << 3) | 2, ...length]), bytes]);
  };
  return lengthDelimited(4, lengthDelimited(1, Buffer.from(JSON.stringify({ label: "rtvi-ai", ...message }))));
}

const json = (status, body) => (route) => route.fulfill({ status, contentType: "application/json", body: JSON.stringify(body) });
const named = (name, fn) => Object.defineProperty(fn, "name", { value: name });

const SCENARIOS = {
  /** Text turn with bot audio, then the fake microphone on and off, then disconnect. */
  async conversation(page, step) {
    await step("loaded");
    await toggleMic(page); // start text-only
    await step("mic-off-before-connect");
    await connect(page);
    await step("ready");
    await sendText(page, "tell me about tomatoes");
    await replied(page);
    await step("replied");
    await toggleMic(page);
    await logged(page, "user-started-speaking"); // the fake microphone's speech reached the server's VAD
    await step("mic-on");
    await toggleMic(page);
    await step("mic-off");
    await disconnect(page);
    await step("disconnected");
  },

  /** Talking to a voice bot: the fake microphone's question is transcribed, answered and spoken. */
  async voice(page, step) {
    await connect(page);
    await step("ready");
    await page.waitForFunction(
      () => {
        const types = [...document.querySelectorAll("#event-log li")].map((li) => li.dataset.type);
        const heard = types.indexOf("user-transcription");
        return heard >= 0 && types.indexOf("bot-started-speaking", heard) > 0;
      },
      null,
      { timeout: opts.timeout },
    );
    await page.waitForFunction(() => Number(document.getElementById("bot-audio").dataset.frames) > 10, null, {
      timeout: opts.timeout,
    });
    await step("answered");
    await disconnect(page);
    await step("disconnected");
  },

  /**
   * Talking to a voice bot, every log entry recorded with its data (recordLog): the fake
   * microphone's question is transcribed and answered, until the whole answer was spoken
   * (every word of the LLM's text in completed bot-output segments, then the bot stopped
   * speaking: on a busy machine one answer may be spoken in several runs).
   */
  async "voice-recorded"(page, step) {
    await recordLog(page);
    await connect(page);
    await step("ready");
    await page.waitForFunction(
      () => {
        const parse = (li) => {
          try {
            return JSON.parse(li.querySelector(".log-data")?.title ?? "null");
          } catch {
            return null;
          }
        };
        const entries = [...document.querySelectorAll('#event-log li[data-dir="in"]')];
        const heard = entries.findIndex((li) => li.dataset.type === "user-transcription");
        const after = entries.slice(heard + 1);
        if (heard < 0 || !after.some((li) => li.dataset.type === "bot-llm-stopped")) return false;
        const words = (text) => text.split(/\s+/).filter(Boolean).join(" ");
        const said = words(after.filter((li) => li.dataset.type === "bot-llm-text").map((li) => parse(li)?.text ?? "").join(""));
        const done = after.filter((li) => li.dataset.type === "bot-output" && parse(li)?.spoken_status === "completed");
        const stopped = after.findLastIndex((li) => li.dataset.type === "bot-stopped-speaking");
        const spoken = words(done.map((li) => parse(li).text).join(" "));
        return done.length > 0 && spoken === said && stopped > after.indexOf(done.at(-1));
      },
      null,
      { timeout: opts.timeout },
    );
    await step("answered");
    await disconnect(page);
    await step("disconnected");
  },

  /** The bot's greeting is played: the page's player runs at the rate the audio arrives at. */
  async "bot-audio"(page, step) {
    await toggleMic(page); // text only
    await connect(page);
    await logged(page, "bot-stopped-speaking");
    await page.waitForFunction(
      () => {
        const { sampleRate, playerRate } = document.getElementById("bot-audio").dataset;
        return Number(sampleRate) > 0 && playerRate === sampleRate;
      },
      null,
      { timeout: opts.timeout },
    );
    await step("spoken");
    await disconnect(page);
    await step("disconnected");
  },

  /** The microphone permission is refused: connecting and text still work. */
  async "no-mic-permission"(page, step) {
    await connect(page);
    await step("ready");
    await sendText(page, "hello without a microphone");
    await replied(page);
    await step("replied");
    await disconnect(page);
    await step("disconnected");
  },

  /** The server cannot be reached at all. */
  async "start-unreachable"(page, step) {
    await connectWith(page, step, named("refused", (route) => route.abort("connectionrefused")));
  },

  /** /start answers with errors or with something the transport cannot use; the page recovers each time. */
  async "start-errors"(page, step) {
    await connectWith(page, step, named("http-503", json(503, { detail: "server is full" })));
    await connectWith(page, step, named("not-json", (route) => route.fulfill({ status: 500, body: "<h1>oops</h1>" })));
    await connectWith(page, step, named("extra-key", json(200, { wsUrl: "ws://127.0.0.1:9/ws", sessionId: "x" })));
    await connectWith(page, step, named("ws-refused", json(200, { wsUrl: "ws://127.0.0.1:9/ws" })));
    await connect(page); // the real server again
    await step("recovered");
  },

  /** Messages no default bot sends (STT results, a non-fatal error) slipped into the real session's socket. */
  async "injected-messages"(page, step) {
    let socket;
    await page.routeWebSocket("**/ws", (ws) => {
      socket = ws;
      ws.connectToServer(); // a transparent proxy to the real server, plus what the test sends
    });
    await toggleMic(page); // text only: the fake microphone's speech would start turns of its own
    await connect(page);
    await logged(page, "bot-stopped-speaking"); // the greeting's turn ends before the user's injected one starts
    const transcription = (text, final) => ({ type: "user-transcription", data: { text, final, user_id: "", timestamp: "" } });
    socket.send(rtviFrame(transcription("what is", false)));
    socket.send(rtviFrame(transcription("what is the weather", false)));
    await page.waitForSelector('#transcript .interim:text-is("what is the weather")', { timeout: opts.timeout });
    await step("interim");
    socket.send(rtviFrame(transcription("What is the weather?", true)));
    socket.send(rtviFrame(transcription("in Paris", false)));
    await page.waitForSelector('#transcript .interim:text-is(" in Paris")', { timeout: opts.timeout });
    await step("final-then-interim");
    socket.send(rtviFrame({ type: "error", data: { error: "the LLM hiccuped", fatal: false } }));
    await messageShown(page);
    await step("bot-error");
  },

  /**
   * The transport switch: the same conversation over WebRTC (the stock
   * SmallWebRTCTransport; the bot's Opus track played in an audio element).
   */
  async webrtc(page, step) {
    await page.waitForSelector('#transport-select option[value="webrtc"]:not([disabled])', { state: "attached", timeout: opts.timeout });
    await page.getByLabel("Transport").selectOption("webrtc");
    await toggleMic(page); // text first
    await step("chosen");
    await connect(page);
    await logged(page, "bot-stopped-speaking"); // the greeting
    await step("ready");
    const energy = await page.evaluate(() => Number(document.getElementById("bot-audio").dataset.energy));
    await sendText(page, "tell me about tomatoes");
    await replied(page);
    await page.waitForFunction(
      (before) => Number(document.getElementById("bot-audio").dataset.energy) > before,
      energy,
      { timeout: opts.timeout },
    );
    await step("replied");
    await toggleMic(page);
    await logged(page, "user-started-speaking"); // the fake microphone's speech, as Opus, reached the server's VAD
    await step("mic-on");
    await disconnect(page);
    await step("disconnected");
  },

  /** The socket is closed under the page with a code and a reason. */
  async "socket-closed"(page, step) {
    let socket;
    await page.routeWebSocket("**/ws", (ws) => {
      socket = ws;
      ws.connectToServer(); // a transparent proxy to the real server
    });
    await connect(page);
    await step("ready");
    await socket.close({ code: 4001, reason: "closed by the test" });
    await stateIs(page, "disconnected");
    await messageShown(page);
    await step("closed");
  },
};

async function main() {
  const scenario = SCENARIOS[opts.scenario];
  if (!scenario) throw new Error(`unknown scenario ${opts.scenario}`);
  mkdirSync(opts.out, { recursive: true });
  const { browser, context, external } = await openBrowser({
    executablePath: opts.chromium,
    micWav: opts.micWav,
    grantMic: opts.scenario !== "no-mic-permission",
  });
  const websockets = [];
  let page;
  try {
    page = await context.newPage();
    page.on("websocket", (ws) => websockets.push(ws.url()));
    const consoleErrors = [];
    page.on("pageerror", (error) => consoleErrors.push(`pageerror: ${error.message}`));
    await page.goto(opts.url, { waitUntil: "load", timeout: opts.timeout });
    await page.waitForSelector("#connect-button:not([disabled])", { timeout: opts.timeout });
    await scenario(page, async (name) => emit({ step: name, snapshot: await snapshot(page) }));
    await page.screenshot({ path: join(opts.out, `${opts.scenario}.png`), fullPage: true });
    emit({ done: { external, websockets, pageErrors: consoleErrors } });
  } catch (error) {
    let screenshot = null;
    if (page) {
      screenshot = join(opts.out, `${opts.scenario}-failure.png`);
      await page.screenshot({ path: screenshot, fullPage: true }).catch(() => (screenshot = null));
      emit({ step: "failure", snapshot: await snapshot(page).catch(() => null) });
    }
    emit({ failed: error?.message ?? String(error), screenshot, external });
    process.exitCode = 1;
  } finally {
    await browser.close();
  }
}

await main();
