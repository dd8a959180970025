// Stands in for @daily-co/daily-js in the bundle. The websocket transport
// imports it for its DailyMediaManager, which the page never builds (it
// uses the stock WavMediaManager; Daily's would load its call machine
// from a CDN at run time). Anything that does reach Daily fails loudly.

function unavailable() {
  throw new Error("@daily-co/daily-js is not bundled in the playground (it uses WavMediaManager)");
}

export default { createCallObject: unavailable, supportedBrowser: () => ({ supported: false }) };
