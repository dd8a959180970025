// Encodes frames exactly as the stock @pipecat-ai/websocket-transport client does, and
// decodes frames through the client's own deserializer.
//
// stdin: {"decode": ["<hex>", ...]}     (optional)
// stdout: {"client_ready": {"json", "hex"}, "audio": {"pcm", "hex"},
//          "message": {"json", "hex"}, "decoded": [{"type", "message"|"pcm"} | {"error"}]}
import { RTVIMessage } from "@pipecat-ai/client-js";
import { ProtobufFrameSerializer } from "@pipecat-ai/websocket-transport";

const serializer = new ProtobufFrameSerializer();
const hex = (bytes) => Buffer.from(bytes).toString("hex");

let stdin = "";
for await (const chunk of process.stdin) stdin += chunk;
const request = stdin.trim() ? JSON.parse(stdin) : {};

// What WebSocketTransport.sendReadyMessage() sends first.
const ready = RTVIMessage.clientReady();
// What the recorder callback hands to _sendAudioInput: 512 bytes of 16 kHz mono PCM.
const pcm = new Uint8Array(512).map((_, i) => (i * 37 + 11) & 0xff);
// A longer, non-ASCII client message (2-byte length varints).
const custom = new RTVIMessage("client-message", { t: "greet", d: { text: "héllo 👋 ".repeat(40) } });

const out = {
  client_ready: { json: JSON.stringify(ready), hex: hex(serializer.serializeMessage(ready)) },
  audio: { pcm: hex(pcm), hex: hex(serializer.serializeAudio(pcm.buffer, 16000, 1)) },
  message: { json: JSON.stringify(custom), hex: hex(serializer.serializeMessage(custom)) },
  decoded: [],
};
for (const frame of request.decode ?? []) {
  try {
    const result = await serializer.deserialize(new Blob([Buffer.from(frame, "hex")]));
    out.decoded.push(
      result.type === "audio"
        ? { type: "audio", pcm: hex(new Uint8Array(result.audio.buffer)) }
        : { type: result.type, message: result.message },
    );
  } catch (error) {
    out.decoded.push({ error: String(error?.message ?? error) });
  }
}
process.stdout.write(JSON.stringify(out));
