// Debian's headless Chromium for the page tests of every transport
// (playwright-core pointed at /usr/bin/chromium: no browser download), with
// Chromium's fake microphone and no network beyond loopback.
//
// WebRTC over loopback (docs/dev-notes/webrtc-design.md §6): without
// --allow-loopback-in-peer-connection Chromium gathers no 127.0.0.1 candidate,
// and WebRtcHideLocalIpsWithMdns would replace host candidates by `.local`
// names the server cannot resolve. Both are harmless for pages without WebRTC.
// Playwright's routing below does not cover UDP: the server keeps media on
// loopback (it gathers and accepts loopback candidates only when it listens there).

import { chromium } from "playwright-core";

const LOOPBACK = new Set(["127.0.0.1", "localhost", "[::1]"]);

/**
 * Launches Chromium and opens one browser context. Every request the context
 * makes to a host other than loopback is aborted and listed in `external`.
 * @param {object} options
 * @param {string} [options.executablePath] the Chromium binary (default /usr/bin/chromium)
 * @param {string} [options.micWav] a WAV file the fake microphone plays (in a loop) once opened
 * @param {boolean} [options.grantMic] grant the microphone permission (default true)
 * @returns {Promise<{browser: import("playwright-core").Browser,
 *                    context: import("playwright-core").BrowserContext, external: string[]}>}
 */
export async function openBrowser({ executablePath = "/usr/bin/chromium", micWav, grantMic = true } = {}) {
  const args = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--autoplay-policy=no-user-gesture-required",
    "--use-fake-device-for-media-stream",
    "--allow-loopback-in-peer-connection",
    "--disable-features=WebRtcHideLocalIpsWithMdns",
  ];
  if (grantMic) args.push("--use-fake-ui-for-media-stream");
  if (micWav) args.push(`--use-file-for-fake-audio-capture=${micWav}`);
  const browser = await chromium.launch({ executablePath, headless: true, args });
  const external = [];
  try {
    const context = await browser.newContext({ permissions: grantMic ? ["microphone"] : [] });
    await context.route("**/*", (route) => {
      const url = new URL(route.request().url());
      if (LOOPBACK.has(url.hostname)) return route.fallback();
      external.push(url.href);
      return route.abort("blockedbyclient");
    });
    return { browser, context, external };
  } catch (error) {
    await browser.close();
    throw error;
  }
}
