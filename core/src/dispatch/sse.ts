import type { SseEvent } from '../contracts/adapter.js';

/**
 * Incremental server-sent-events parser (WHATWG rules): accepts bytes split anywhere — inside a UTF-8 sequence,
 * between \r and \n, mid-field — and yields complete events. Framing lives here once; adapters see events.
 */
export class SseParser {
  readonly #decoder = new TextDecoder('utf-8');
  #buffer = '';
  #data: string[] = [];
  #event: string | undefined;
  #id: string | undefined;
  /** A \r ended the last read: a \n starting the next read belongs to it. */
  #pendingCR = false;

  push(bytes: Uint8Array): SseEvent[] {
    return this.#feed(this.#decoder.decode(bytes, { stream: true }));
  }

  /** Flushes a final event not followed by a blank line (some upstreams omit it before closing). */
  end(): SseEvent[] {
    const events = this.#feed(this.#decoder.decode());
    if (this.#buffer) {
      this.#line(this.#buffer);
      this.#buffer = '';
    }
    const last = this.#dispatch();
    if (last) events.push(last);
    return events;
  }

  #feed(text: string): SseEvent[] {
    if (text === '') return []; // an empty read must not cancel a pending \r\n pair
    const events: SseEvent[] = [];
    let start = 0;
    if (this.#pendingCR && text.startsWith('\n')) start = 1;
    this.#pendingCR = false;
    let buffer = this.#buffer;
    for (let i = start; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (c !== 10 && c !== 13) continue;
      const line = buffer + text.slice(start, i);
      buffer = '';
      if (c === 13) {
        if (i + 1 === text.length) this.#pendingCR = true;
        else if (text.charCodeAt(i + 1) === 10) i++;
      }
      start = i + 1;
      if (line === '') {
        const event = this.#dispatch();
        if (event) events.push(event);
      } else {
        this.#line(line);
      }
    }
    this.#buffer = buffer + text.slice(start);
    return events;
  }

  #line(line: string): void {
    if (line.charCodeAt(0) === 58) return; // ":" comment (keep-alive)
    const colon = line.indexOf(':');
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? '' : line.slice(colon + 1);
    if (value.charCodeAt(0) === 32) value = value.slice(1);
    if (field === 'data') this.#data.push(value);
    else if (field === 'event') this.#event = value;
    else if (field === 'id') this.#id = value;
  }

  #dispatch(): SseEvent | undefined {
    if (this.#data.length === 0) {
      this.#event = undefined;
      return undefined;
    }
    const event: SseEvent = { data: this.#data.join('\n') };
    if (this.#event !== undefined) event.event = this.#event;
    if (this.#id !== undefined) event.id = this.#id;
    this.#data = [];
    this.#event = undefined;
    return event;
  }
}
