// Bot audio played at the rate it arrives at. The stock ProtobufFrameSerializer
// drops each audio frame's sample_rate and the stock WavMediaManager plays every
// sample at 24 kHz, so a bot sending 16 kHz audio would sound 1.5 times too fast.
// Here the serializer keeps the rate on the frame's samples, and the media manager
// moves its player to an AudioContext at that rate (the browser resamples to the
// output device) before playing them.

import { ProtobufFrameSerializer, WavMediaManager } from "@pipecat-ai/websocket-transport";

/** The rate the stock WavMediaManager's player runs at (and assumes for all bot audio). */
export const STOCK_PLAYER_RATE = 24000;

/** The varint at `pos` of `bytes`: [value, position after it]. */
function readVarint(bytes, pos) {
  let value = 0;
  let scale = 1;
  let byte;
  do {
    if (pos >= bytes.length) throw new RangeError("truncated protobuf varint");
    byte = bytes[pos++];
    value += (byte & 0x7f) * scale;
    scale *= 128;
  } while (byte & 0x80);
  return [value, pos];
}

/**
 * The fields of the protobuf message in `bytes[start, end)`: {field, value} for a
 * varint, {field, start, end} for a length-delimited field (fixed-size ones skipped).
 */
function* protobufFields(bytes, start, end) {
  let pos = start;
  while (pos < end) {
    let key;
    [key, pos] = readVarint(bytes, pos);
    const field = Math.floor(key / 8);
    const wireType = key % 8;
    if (wireType === 0) {
      let value;
      [value, pos] = readVarint(bytes, pos);
      yield { field, value };
    } else if (wireType === 2) {
      let length;
      [length, pos] = readVarint(bytes, pos);
      yield { field, start: pos, end: pos + length };
      pos += length;
    } else if (wireType === 1 || wireType === 5) {
      pos += wireType === 1 ? 8 : 4;
    } else {
      throw new RangeError(`unsupported protobuf wire type ${wireType}`);
    }
  }
}

/** `sample_rate` (field 4) of the `audio` member (field 2) of a `pipecat.Frame`; 0 when absent. */
export function audioFrameRate(bytes) {
  for (const frame of protobufFields(bytes, 0, bytes.length)) {
    if (frame.field !== 2 || frame.end === undefined) continue;
    for (const member of protobufFields(bytes, frame.start, frame.end)) {
      if (member.field === 4 && member.value !== undefined) return member.value;
    }
  }
  return 0;
}

/** The stock serializer, keeping each audio frame's rate on its samples (`audio.sampleRate`). */
export class RateKeepingSerializer extends ProtobufFrameSerializer {
  async deserialize(data) {
    const parsed = await super.deserialize(data);
    if (parsed.type === "audio") parsed.audio.sampleRate = audioFrameRate(new Uint8Array(await data.arrayBuffer()));
    return parsed;
  }
}

/**
 * The stock WavMediaManager, whose player follows the rate of the bot audio: a frame
 * at another rate than the player's starts a new player at that rate; the frames
 * that arrive while it starts wait for it, in order. Should a browser refuse the
 * rate, the audio goes to the stock player as before (and an error is logged).
 */
export class RateFollowingMediaManager extends WavMediaManager {
  /**
   * @param {number} recorderChunkSize microphone chunk size in bytes
   * @param {number} recorderSampleRate microphone rate
   * @param {(rate: number) => void} onPlayerRate called with the rate of each player that starts
   */
  constructor(recorderChunkSize, recorderSampleRate, onPlayerRate) {
    super(recorderChunkSize, recorderSampleRate);
    this.onPlayerRate = onPlayerRate;
    this._playerRate = STOCK_PLAYER_RATE; // of the player, or of the one starting
    this._refusedRate = 0; // a rate the browser could not play at
    this._waiting = null; // [samples, id] pairs for the player that is starting
  }

  async initialize() {
    await super.initialize();
    this.onPlayerRate(this._wavStreamPlayer.context.sampleRate);
  }

  bufferBotAudio(data, id) {
    const rate = data.sampleRate || STOCK_PLAYER_RATE;
    if (rate !== this._playerRate && rate !== this._refusedRate) this._startPlayer(rate);
    if (this._waiting) {
      this._waiting.push([data, id]);
      return data;
    }
    return super.bufferBotAudio(data, id);
  }

  async disconnect() {
    this._waiting = null;
    try {
      await super.disconnect();
    } finally {
      await closeContext(this._wavStreamPlayer);
    }
  }

  _startPlayer(rate) {
    const current = this._wavStreamPlayer;
    const player = new current.constructor({ sampleRate: rate });
    const waiting = [];
    this._playerRate = rate;
    this._waiting = waiting;
    const started = () => {
      if (this._waiting !== waiting) return closeContext(player); // disconnected, or another rate meanwhile
      this._wavStreamPlayer = player;
      this._waiting = null;
      closeContext(current);
      this.onPlayerRate(player.context.sampleRate);
      for (const [samples, id] of waiting) player.add16BitPCM(samples, id);
    };
    const refused = (error) => {
      console.error(`rtvi playground: cannot play bot audio at ${rate} Hz, playing it at ${current.sampleRate} Hz:`, error);
      this._refusedRate = rate;
      closeContext(player);
      if (this._waiting !== waiting) return;
      this._playerRate = current.sampleRate;
      this._waiting = null;
      for (const [samples, id] of waiting) current.add16BitPCM(samples, id);
    };
    player.connect().then(started, refused);
  }
}

/** Closes a player's AudioContext, if it has an open one (the stock player never closes it). */
async function closeContext(player) {
  if (player.context && player.context.state !== "closed") await player.context.close().catch(() => {});
}
