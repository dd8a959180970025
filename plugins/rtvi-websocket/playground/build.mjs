// Bundles the playground page into the Python package directory the server
// serves it from (src/rtvi_websocket/playground/): index.html, one minified
// ES module with the stock client libraries inside, one stylesheet.
// Run: npm ci && npm run build (the package's hatch build hook does this).

import { copyFile, mkdir, readdir, rm } from "node:fs/promises";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import * as esbuild from "esbuild";

const here = dirname(fileURLToPath(import.meta.url));
const src = join(here, "src");
const out = join(here, "..", "src", "rtvi_websocket", "playground");
/** Files of `out` that are not build output. */
const KEEP = new Set([".gitignore", "__init__.py"]);

await mkdir(out, { recursive: true });
for (const name of await readdir(out)) {
  if (!KEEP.has(name)) await rm(join(out, name), { recursive: true, force: true });
}

const result = await esbuild.build({
  entryPoints: [join(src, "playground.js")], // imports playground.css: bundled next to it
  outdir: out,
  bundle: true,
  minify: true,
  format: "esm",
  target: ["chrome111", "firefox115", "safari16.4"],
  // daily-js is only used by the transport's DailyMediaManager, which the page never builds.
  alias: { "@daily-co/daily-js": join(src, "daily-stub.js") },
  legalComments: "eof",
  metafile: true,
  logLevel: "warning",
});
await copyFile(join(src, "index.html"), join(out, "index.html"));

for (const [file, { bytes }] of Object.entries(result.metafile.outputs)) {
  console.log(`${file.replace(/.*\//, "")}: ${(bytes / 1024).toFixed(1)} KiB`);
}
