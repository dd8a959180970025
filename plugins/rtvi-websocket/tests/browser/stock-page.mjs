#!/usr/bin/env node
// The stock client in a page of its own origin, in Debian's headless Chromium:
// bundles ../js/stock-page (the stock client packages of ../js/node_modules) into
// --page-dir, which the caller serves at --page-url (another loopback port than
// the bot's), opens it and runs a scenario script (ops: ../js/scenario.mjs)
// against the bot's --start-url.
//
// Usage: node stock-page.mjs --page-dir DIR --page-url URL --start-url URL
//          --script FILE|- [--mic-wav FILE] [--timeout SECONDS] [--chromium PATH]
// stdout: one JSON object per line, {"event", "data"}, as ../js/e2e-client.mjs
//   prints them, ending with "done" (data: received audio, pageOrigin, websockets,
//   external, pageErrors) or "harnessError". Exit 0 = the script passed.

import { readFileSync } from "node:fs";
import { copyFile, mkdir } from "node:fs/promises";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import * as esbuild from "esbuild";
import { openBrowser } from "./chromium.mjs";
import { parseOptions } from "./options.mjs";

const here = dirname(fileURLToPath(import.meta.url));
const source = join(here, "..", "js", "stock-page");

const emit = (event, data) => process.stdout.write(JSON.stringify({ event, data: data ?? null }) + "\n");

/** Bundles the page (index.html, page.js) into `dir`. */
async function buildPage(dir) {
  await mkdir(dir, { recursive: true });
  await esbuild.build({
    entryPoints: [join(source, "page.mjs")],
    outfile: join(dir, "page.js"),
    bundle: true,
    format: "esm",
    target: ["chrome111"],
    // daily-js serves only the transport's DailyMediaManager, which the page never builds.
    alias: { "@daily-co/daily-js": join(here, "..", "..", "playground", "src", "daily-stub.js") },
    logLevel: "warning",
  });
  await copyFile(join(source, "index.html"), join(dir, "index.html"));
}

async function main() {
  const opts = parseOptions(process.argv.slice(2), { timeout: 10 },
    ["page-dir", "page-url", "start-url", "script"]);
  opts.timeout = Number(opts.timeout);
  const script = JSON.parse(readFileSync(opts.script === "-" ? 0 : opts.script, "utf8"));
  await buildPage(opts.pageDir);
  const { browser, context, external } = await openBrowser({ executablePath: opts.chromium, micWav: opts.micWav });
  try {
    const page = await context.newPage();
    const websockets = [];
    const pageErrors = [];
    page.on("websocket", (ws) => websockets.push(ws.url()));
    page.on("pageerror", (error) => pageErrors.push(error.message));
    await page.goto(opts.pageUrl, { waitUntil: "load", timeout: opts.timeout * 1000 });
    await page.waitForFunction(() => typeof window.runScenario === "function", null, { timeout: opts.timeout * 1000 });
    const lines = await page.evaluate(
      ([startUrl, steps, timeout]) => window.runScenario(startUrl, steps, timeout),
      [opts.startUrl, script, opts.timeout],
    );
    for (const { event, data } of lines) {
      emit(event, event === "done" ? { ...data, websockets, external, pageErrors } : data);
    }
    if (lines.at(-1)?.event !== "done") process.exitCode = 1;
  } finally {
    await browser.close();
  }
}

main().catch((error) => {
  emit("harnessError", { message: error?.message ?? String(error) });
  process.exitCode = 1;
});
