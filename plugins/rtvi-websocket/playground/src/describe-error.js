// Turns the failures of connecting into messages a person can act on.

import { RTVIError, StartBotError, TransportStartError } from "@pipecat-ai/client-js";

/** What browsers say when fetch() cannot reach the server at all. */
const UNREACHABLE = /Failed to fetch|NetworkError|Load failed/i;

/** Standard WebSocket close codes worth naming (RFC 6455 §7.4.1). */
const CLOSE_CODES = {
  1000: "normal closure",
  1001: "going away",
  1002: "protocol error",
  1003: "unsupported data",
  1006: "connection lost",
  1007: "invalid data",
  1008: "policy violation",
  1009: "message too big",
  1011: "server error",
  1012: "service restart",
  1013: "try again later",
};

/**
 * The message for a failed Connect (a rejection of startBotAndConnect).
 * @param {unknown} error
 * @param {string} endpoint the start URL that was posted to
 */
export function describeConnectError(error, endpoint) {
  const message = error instanceof Error ? error.message : String(error);
  if (error instanceof StartBotError) {
    if (UNREACHABLE.test(message)) {
      return `Cannot reach the server: POST ${endpoint} failed (${message}). Is it running?`;
    }
    return `The server did not start a session: POST ${endpoint} answered "${message}" (status ${error.status}).`;
  }
  if (error instanceof SyntaxError) {
    return `The server's answer to POST ${endpoint} is not JSON (${message}).`;
  }
  if (error instanceof TransportStartError) {
    return `Cannot open the WebSocket: ${message}.`;
  }
  if (error instanceof RTVIError) {
    return `The answer to POST ${endpoint} cannot be used to connect: ${message}`;
  }
  return `Connecting failed: ${message}`;
}

/** "code 4001 (reason)" or "code 1006 (connection lost)" for a socket close. */
export function describeClose(code, reason) {
  const detail = reason || CLOSE_CODES[code] || "no reason given";
  return `code ${code} (${detail})`;
}

/** Whether a close code means the session ended normally. */
export function isNormalClose(code) {
  return code === 1000 || code === 1001;
}
