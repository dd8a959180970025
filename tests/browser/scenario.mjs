// Scenario scripts against a stock PipecatClient of any transport, the same in
// Node (plugins/rtvi-websocket/tests/js/e2e-client.mjs) and in the browser pages
// stock-page.mjs bundles (plugins/rtvi-websocket/tests/js/stock-page,
// plugins/rtvi-webrtc/tests/stock-page).
//
// A script is a JSON array of steps, e.g.
//   [{"op":"connect"},{"op":"sendText","text":"hi"},
//    {"op":"waitFor","event":"botStoppedSpeaking"},{"op":"expectAudio","minBytes":1920},
//    {"op":"expectAudio","minEnergy":0.001},
//    {"op":"request","t":"ping","d":{"n":1},"expect":{"pong":{"n":1}}},
//    {"op":"disconnectBot"},{"op":"waitFor","event":"disconnected"}]
// ops: connect, waitFor{event, where?}, sendText{text, options}, sendClientMessage{t, d},
//      request{t, d, expect?, expectError?}, expectAudio{minBytes?, minEnergy?}, say, disconnectBot,
//      disconnect, sleep{ms}
//   waitFor consumes events in order: it matches the first `event` logged after
//   the event the previous waitFor matched, so nothing fired meanwhile is missed;
//   `where` ({key: value}) also requires those values in the event's data.
//   request resolves with the response data `d` (logged as "clientRequestResult");
//   with expectError it must fail instead (logged as "clientRequestError").
//   expectAudio waits (up to the step timeout) until the bot audio received so far
//   (createScenario's `audio`) reaches `minBytes` (default 1, when no minEnergy)
//   and `minEnergy`, then logs it as "audioSummary".
//   say plays the speech the environment provides (see createScenario's `say`).
//
// Every client event (RTVIEvent names) is reported through `emit(name, data)`,
// plus "step" before each step and the lines named above.

/**
 * @param {object} setup
 * @param {import("@pipecat-ai/client-js").PipecatClient} setup.client the client, not yet connected
 * @param {Record<string, string>} setup.RTVIEvent the client's event names
 * @param {(event: string, data?: unknown) => void} setup.emit where events and results go
 * @param {() => Promise<unknown>} setup.connect starts the connection (startBotAndConnect or connect)
 * @param {() => ({received: {bytes?: number, energy?: number}} | Promise<object>)} setup.audio bot audio
 *   totals so far: bytes handed to the client (WebSocket), or the energy the browser decoded (WebRTC)
 * @param {() => void} [setup.say] plays the speech of the `say` op into the microphone
 * @param {number} [setup.timeoutSecs] per-step timeout (default 10)
 * @param {string} [setup.defaultText] text of a sendText step that gives none (default "hello")
 * @returns {{run(script: object[]): Promise<void>}} `run` rejects with the first failed step
 */
export function createScenario({ client, RTVIEvent, emit, connect, audio, say, timeoutSecs = 10, defaultText = "hello" }) {
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

  const matches = (entry, name, where) =>
    entry.name === name && Object.entries(where).every(([key, value]) => entry.data?.[key] === value);

  /** Resolves with the data of the first `name` event (with the `where` values) after the cursor. */
  function waitFor(name, where = {}) {
    let check;
    const found = new Promise((resolve) => {
      check = () => {
        const i = history.findIndex((entry, j) => j >= cursor && matches(entry, name, where));
        if (i < 0) return;
        waiters.delete(check);
        cursor = i + 1;
        resolve(history[i].data);
      };
      waiters.add(check);
      check();
    });
    const what = Object.keys(where).length ? `${name} ${JSON.stringify(where)}` : name;
    return withTimeout(found, what).finally(() => waiters.delete(check));
  }

  function withTimeout(promise, what) {
    let timer;
    const timeout = new Promise((_, reject) => {
      timer = setTimeout(() => reject(new Error(`timeout after ${timeoutSecs}s waiting for ${what}`)), timeoutSecs * 1000);
    });
    return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
  }

  /** Step operations; each gets the step object. */
  const ops = {
    async connect() {
      let failed;
      const connecting = connect();
      const refused = new Promise((_, reject) => (failed = reject));
      connecting.catch((e) => failed(new Error(`connect failed: ${e?.message ?? e?.status ?? e}`)));
      await Promise.race([waitFor(RTVIEvent.BotReady), refused]);
      await withTimeout(connecting, "connect() to resolve");
    },
    waitFor: ({ event, where }) => waitFor(event, where),
    sendText: ({ text = defaultText, options = {} }) => client.sendText(text, options),
    sendClientMessage: ({ t, d }) => client.sendClientMessage(t, d),
    async request({ t, d, expect, expectError = false }) {
      let reply;
      try {
        reply = await client.sendClientRequest(t, d, timeoutSecs * 1000);
      } catch (error) {
        if (!expectError) throw new Error(`request ${t} failed: ${JSON.stringify(error?.data ?? error?.message ?? error)}`);
        emit("clientRequestError", error?.data ?? { message: error?.message ?? String(error) });
        return;
      }
      emit("clientRequestResult", reply);
      if (expectError) throw new Error(`request ${t}: expected an error, got ${JSON.stringify(reply)}`);
      if (expect !== undefined && JSON.stringify(reply) !== JSON.stringify(expect)) {
        throw new Error(`request ${t}: expected ${JSON.stringify(expect)}, got ${JSON.stringify(reply)}`);
      }
    },
    async expectAudio({ minEnergy, minBytes = minEnergy === undefined ? 1 : 0 }) {
      const enough = ({ received }) => (received.bytes ?? 0) >= minBytes && (received.energy ?? 0) >= (minEnergy ?? 0);
      const deadline = Date.now() + timeoutSecs * 1000;
      let totals = await audio();
      while (!enough(totals) && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 100));
        totals = await audio();
      }
      emit("audioSummary", totals);
      if (!enough(totals)) {
        throw new Error(`expected bot audio >= ${minBytes} bytes and >= ${minEnergy ?? 0} energy, got ${JSON.stringify(totals.received)}`);
      }
    },
    say() {
      if (!say) throw new Error("this environment cannot say anything (no speech given)");
      say();
    },
    disconnectBot: () => client.disconnectBot(),
    disconnect: () => client.disconnect(),
    sleep: ({ ms }) => new Promise((r) => setTimeout(r, ms)),
  };

  return {
    async run(script) {
      for (const [i, stepDef] of script.entries()) {
        const run = ops[stepDef.op];
        if (!run) throw new Error(`step ${i}: unknown op ${stepDef.op}`);
        emit("step", { index: i, ...stepDef });
        await run(stepDef);
      }
    },
  };
}

/**
 * A subclass of the stock `WavMediaManager` class given that counts the bot audio
 * the transport hands it into `received` ({frames, bytes}), calling `onFrame(bytes)`
 * for each frame.
 */
export function countingMediaManager(WavMediaManager, received, onFrame = () => {}) {
  return class CountingMediaManager extends WavMediaManager {
    bufferBotAudio(data, id) {
      received.frames++;
      received.bytes += data.byteLength;
      onFrame(data.byteLength);
      return super.bufferBotAudio(data, id);
    }
  };
}
