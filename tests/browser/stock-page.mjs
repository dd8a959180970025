#!/usr/bin/env node
// A stock client in a page of its own origin, in Debian's headless Chromium:
// bundles --page-source (a folder with index.html and page.mjs, whose bare
// imports resolve from that folder's node_modules: the transport's stock client
// packages) into --page-dir, which the caller serves at --page-url (another
// loopback port than the bot's), opens it and runs a scenario script (ops:
// ./scenario.mjs) against the bot's --start-url.
//
// Usage: node stock-page.mjs --page-source DIR --page-dir DIR --page-url URL
//          --start-url URL --script FILE|- [--page-options JSON]
//          [--alias PACKAGE=FILE] [--mic-wav FILE] [--timeout SECONDS] [--chromium PATH]
// The page defines window.runScenario(startUrl, steps, timeoutSecs, pageOptions)
// resolving with its {event, data} lines. --alias bundles FILE in place of
// PACKAGE (e.g. a stub of a package the page never uses).
// stdout: one JSON object per line, {"event", "data"}, as the page returns them,
//   ending with "done" (data: what the page reports, e.g. received audio and
//   pageOrigin, plus websockets, external, pageErrors) or "harnessError".
//   Exit 0 = the script passed. stderr: the page's console errors and warnings.

import { readFileSync } from "node:fs";
import { copyFile, mkdir } from "node:fs/promises";
import { join, resolve } from "node:path";
import * as esbuild from "esbuild";
import { openBrowser } from "./chromium.mjs";
import { parseOptions } from "./options.mjs";

const emit = (event, data) => process.stdout.write(JSON.stringify({ event, data: data ?? null }) + "\n");

/** Bundles the page of `source` (index.html, page.mjs) into `dir` (index.html, page.js). */
async function buildPage(source, dir, alias) {
  await mkdir(dir, { recursive: true });
  await esbuild.build({
    entryPoints: [join(source, "page.mjs")],
    outfile: join(dir, "page.js"),
    bundle: true,
    format: "esm",
    target: ["chrome111"],
    alias,
    logLevel: "warning",
  });
  await copyFile(join(source, "index.html"), join(dir, "index.html"));
}

/** `--alias PACKAGE=FILE` as esbuild's alias map ({} without one). */
function aliasOf(option) {
  if (!option) return {};
  const at = option.indexOf("=");
  if (at <= 0) throw new Error(`--alias wants PACKAGE=FILE, got ${option}`);
  return { [option.slice(0, at)]: resolve(option.slice(at + 1)) };
}

async function main() {
  const opts = parseOptions(process.argv.slice(2), { timeout: 10, pageOptions: "{}" },
    ["page-source", "page-dir", "page-url", "start-url", "script"]);
  opts.timeout = Number(opts.timeout);
  const script = JSON.parse(readFileSync(opts.script === "-" ? 0 : opts.script, "utf8"));
  const pageOptions = JSON.parse(opts.pageOptions);
  await buildPage(opts.pageSource, opts.pageDir, aliasOf(opts.alias));
  const { browser, context, external } = await openBrowser({ executablePath: opts.chromium, micWav: opts.micWav });
  try {
    const page = await context.newPage();
    const websockets = [];
    const pageErrors = [];
    page.on("websocket", (ws) => websockets.push(ws.url()));
    page.on("pageerror", (error) => pageErrors.push(error.message));
    page.on("console", (message) => {
      if (["error", "warning"].includes(message.type())) process.stderr.write(`page ${message.type()}: ${message.text()}\n`);
    });
    await page.goto(opts.pageUrl, { waitUntil: "load", timeout: opts.timeout * 1000 });
    await page.waitForFunction(() => typeof window.runScenario === "function", null, { timeout: opts.timeout * 1000 });
    const lines = await page.evaluate(
      ([startUrl, steps, timeout, options]) => window.runScenario(startUrl, steps, timeout, options),
      [opts.startUrl, script, opts.timeout, pageOptions],
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
