// The live transcript: user turns (typed text, STT finals, the latest interim
// result greyed) and bot turns (bot-output segments, their not-yet-spoken
// part greyed; bot-transcription for bots older than RTVI 1.1). A bot turn
// runs from its LLM run's start to the end of its speech.

export class Transcript {
  /** @param {HTMLOListElement} list */
  constructor(list) {
    this.list = list;
    this.user = null; // the open user turn: {entry, finals, interim}
    this.bot = null; // the open bot turn: {entry, segments: [{text, spoken, done, element}]}
  }

  /**
   * Text the user typed and sent: an entry of its own. The bot's current turn
   * stays open, since its text may still arrive until the server has taken
   * the message (it interrupts the bot, then starts the reply's LLM run).
   */
  userTyped(text) {
    this.user = null;
    this.appendFinal(this.openUser(), text);
    this.user = null;
  }

  /** A `user-transcription` ({text, final}): finals accumulate, the newest interim is shown greyed. */
  userTranscription({ text, final }) {
    const turn = this.openUser();
    if (final) {
      turn.interim.textContent = "";
      this.appendFinal(turn, text);
    } else {
      turn.interim.textContent = (turn.finals.textContent ? " " : "") + text;
    }
    this.scroll();
  }

  /** A `bot-output` (spec §7): a new segment, or the spoken progress of the current one. */
  botOutput(data) {
    const turn = this.openBot();
    if (!data.will_be_spoken) {
      this.addSegment(turn, data.text, true, "unspoken");
    } else if (data.spoken_status === "new") {
      this.addSegment(turn, data.text, false);
    } else {
      // in-progress / completed; without word timings "completed" carries another segment_id
      // than its "new" event, so progress applies to the oldest unfinished segment.
      const segment = turn.segments.find((s) => !s.done) ?? this.addSegment(turn, data.text, false);
      const progress = data.spoken_progress ?? { accumulated_text: data.text, remaining_text: "" };
      segment.done = data.spoken_status === "completed";
      this.renderSegment(segment, progress.accumulated_text, progress.remaining_text);
    }
    this.scroll();
  }

  /** A `bot-transcription` sentence (bots before RTVI 1.1, which have no bot-output). */
  botTranscript(text) {
    this.addSegment(this.openBot(), text, true);
    this.scroll();
  }

  /** Ends the bot's turn (a new LLM run started, or the bot stopped speaking): its next text opens a new entry. */
  endBotTurn() {
    this.bot = null;
  }

  clear() {
    this.user = null;
    this.bot = null;
    this.list.replaceChildren();
  }

  openUser() {
    if (!this.user) {
      const entry = this.newEntry("user", "You");
      const finals = entry.querySelector(".text").appendChild(document.createElement("span"));
      const interim = entry.querySelector(".text").appendChild(document.createElement("span"));
      finals.className = "final";
      interim.className = "interim";
      this.user = { entry, finals, interim };
    }
    return this.user;
  }

  openBot() {
    if (!this.bot) {
      this.user = null;
      this.bot = { entry: this.newEntry("bot", "Bot"), segments: [] };
    }
    return this.bot;
  }

  appendFinal(turn, text) {
    const sep = turn.finals.textContent && !/^\s/.test(text) ? " " : "";
    turn.finals.textContent += sep + text;
    this.scroll();
  }

  addSegment(turn, text, done, className = "segment") {
    const body = turn.entry.querySelector(".text");
    if (turn.segments.length && !/^\s/.test(text)) body.append(" ");
    const element = body.appendChild(document.createElement("span"));
    element.className = className;
    const segment = { text, done, element };
    turn.segments.push(segment);
    this.renderSegment(segment, done ? text : "", done ? "" : text);
    return segment;
  }

  renderSegment(segment, spoken, pending) {
    const spokenPart = document.createElement("span");
    spokenPart.className = "spoken";
    spokenPart.textContent = spoken;
    const pendingPart = document.createElement("span");
    pendingPart.className = "pending";
    pendingPart.textContent = pending;
    segment.element.replaceChildren(spokenPart, pendingPart);
  }

  newEntry(role, speaker) {
    const entry = document.createElement("li");
    entry.className = `turn turn-${role}`;
    entry.dataset.role = role;
    const label = entry.appendChild(document.createElement("span"));
    label.className = "speaker";
    label.textContent = `${speaker}: `;
    entry.appendChild(document.createElement("span")).className = "text";
    this.list.append(entry);
    return entry;
  }

  scroll() {
    this.list.scrollTop = this.list.scrollHeight;
  }
}
