// The scrolling log of every RTVI message (in = from the bot, out = to the
// bot) and of the client's own events (state changes, transport errors).

/** Oldest entries are dropped past this many, so a long session stays light. */
const MAX_ENTRIES = 2000;
/** Longest data text shown in one entry, and in its tooltip (the rest is cut with "…"). */
const MAX_DATA_CHARS = 400;
const MAX_TITLE_CHARS = 4000;
const ARROWS = { in: "←", out: "→", client: "•" };

export class EventLog {
  /** @param {HTMLOListElement} list */
  constructor(list) {
    this.list = list;
  }

  /**
   * Appends one entry.
   * @param {"in" | "out" | "client"} direction
   * @param {string} type RTVI message type or client event name
   * @param {unknown} [data]
   */
  add(direction, type, data) {
    const atBottom = this.list.scrollTop + this.list.clientHeight >= this.list.scrollHeight - 4;
    const entry = document.createElement("li");
    entry.className = `log-entry log-${direction}`;
    entry.dataset.dir = direction;
    entry.dataset.type = type;
    entry.append(
      span("log-time", new Date().toISOString().slice(11, 23)),
      span("log-dir", ARROWS[direction]),
      span("log-type", type),
    );
    if (data !== undefined && data !== null) {
      const text = asText(data);
      const shown = span("log-data", cut(text, MAX_DATA_CHARS));
      shown.title = cut(text, MAX_TITLE_CHARS);
      entry.append(shown);
    }
    this.list.append(entry);
    while (this.list.childElementCount > MAX_ENTRIES) this.list.firstElementChild.remove();
    if (atBottom) this.list.scrollTop = this.list.scrollHeight;
  }

  clear() {
    this.list.replaceChildren();
  }
}

function span(className, text) {
  const element = document.createElement("span");
  element.className = className;
  element.textContent = text;
  return element;
}

function asText(data) {
  if (typeof data === "string") return data;
  try {
    return JSON.stringify(data);
  } catch {
    return String(data);
  }
}

function cut(text, limit) {
  return text.length > limit ? `${text.slice(0, limit)}…` : text;
}
