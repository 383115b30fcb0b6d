// SseParser: framing of server-sent events, replayed the way TCP delivers them (split anywhere).
import { isDeepStrictEqual } from 'node:util';
import t from 'tap';
import { SseParser } from '../src/dispatch/sse.js';
import type { SseEvent } from '../src/contracts/adapter.js';

/** The type of a subtest's `t`. */
type Subtest = Parameters<Parameters<typeof t.test>[0]>[0];

const encoder = new TextEncoder();

/** Feeds `chunks` in order and flushes with end(). */
function parse(chunks: readonly Uint8Array[]): SseEvent[] {
  const parser = new SseParser();
  const events: SseEvent[] = [];
  for (const chunk of chunks) events.push(...parser.push(chunk));
  events.push(...parser.end());
  return events;
}

const whole = (text: string): SseEvent[] => parse([encoder.encode(text)]);

/** Splits at which a two-piece replay of `bytes` gives other events than `expected`. */
function badSplits(bytes: Uint8Array, expected: readonly SseEvent[]): number[] {
  const bad: number[] = [];
  for (let i = 0; i <= bytes.length; i++) {
    if (!isDeepStrictEqual(parse([bytes.subarray(0, i), bytes.subarray(i)]), expected)) bad.push(i);
  }
  return bad;
}

const byteByByte = (bytes: Uint8Array): SseEvent[] =>
  parse(Array.from({ length: bytes.length }, (_, i) => bytes.subarray(i, i + 1)));

/** Replays `bytes` split in two at every boundary, and byte by byte; every replay must give `expected`. */
function replayEverywhere(t: Subtest, bytes: Uint8Array, expected: readonly SseEvent[]): void {
  t.same(badSplits(bytes, expected), [], `all ${bytes.length + 1} two-piece splits give the same events`);
  t.same(byteByByte(bytes), expected, 'byte-by-byte gives the same events');
}

// A realistic OpenAI chat stream: role chunk, content chunks (emoji + CJK), a keep-alive comment, finish chunk,
// the include_usage chunk and [DONE].
const chunk = (delta: object, finish: string | null = null): string =>
  JSON.stringify({
    id: 'chatcmpl-B9MBs8CjcvOU2jLn4n570S5qMJKcT',
    object: 'chat.completion.chunk',
    created: 1741570283,
    model: 'gpt-4o-2024-08-06',
    system_fingerprint: 'fp_f9f4fb6dbf',
    choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }],
  });
const usageChunk = JSON.stringify({
  id: 'chatcmpl-B9MBs8CjcvOU2jLn4n570S5qMJKcT',
  object: 'chat.completion.chunk',
  created: 1741570283,
  model: 'gpt-4o-2024-08-06',
  choices: [],
  usage: { prompt_tokens: 19, completion_tokens: 10, total_tokens: 29, prompt_tokens_details: { cached_tokens: 0 } },
});
const OPENAI_DATA = [
  chunk({ role: 'assistant', content: '', refusal: null }),
  chunk({ content: 'Hello' }),
  chunk({ content: ' 👋 世界' }),
  chunk({ content: ' — café' }),
  chunk({}, 'stop'),
  usageChunk,
  '[DONE]',
];
const OPENAI_CAPTURE =
  OPENAI_DATA.slice(0, 3).map((d) => `data: ${d}\n\n`).join('') +
  ': keep-alive\n\n' +
  OPENAI_DATA.slice(3).map((d) => `data: ${d}\n\n`).join('');
const OPENAI_EVENTS: SseEvent[] = OPENAI_DATA.map((data) => ({ data }));

// An Anthropic-style stream: every event has an `event:` line; a ping; multi-byte text inside deltas.
const ANTHROPIC_PAIRS: [string, object][] = [
  ['message_start', { type: 'message_start', message: { id: 'msg_01', type: 'message', role: 'assistant', content: [], model: 'claude-sonnet-4-5', usage: { input_tokens: 25, output_tokens: 1 } } }],
  ['content_block_start', { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } }],
  ['ping', { type: 'ping' }],
  ['content_block_delta', { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'こんにちは' } }],
  ['content_block_delta', { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: ' 🦀🎉' } }],
  ['content_block_stop', { type: 'content_block_stop', index: 0 }],
  ['message_delta', { type: 'message_delta', delta: { stop_reason: 'end_turn', stop_sequence: null }, usage: { output_tokens: 15 } }],
  ['message_stop', { type: 'message_stop' }],
];
const ANTHROPIC_CAPTURE = ANTHROPIC_PAIRS.map(([event, data]) => `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`).join('');
const ANTHROPIC_EVENTS: SseEvent[] = ANTHROPIC_PAIRS.map(([event, data]) => ({ event, data: JSON.stringify(data) }));

t.test('OpenAI capture parses into one event per data line, comments skipped', async (t) => {
  t.same(whole(OPENAI_CAPTURE), OPENAI_EVENTS);
});

t.test('Anthropic capture keeps event names', async (t) => {
  const events = whole(ANTHROPIC_CAPTURE);
  t.same(events, ANTHROPIC_EVENTS);
  t.equal(events[3]?.event, 'content_block_delta');
  t.match(JSON.parse(events[3]?.data ?? '{}'), { delta: { text: 'こんにちは' } });
});

t.test('OpenAI capture split at every byte boundary and byte by byte', async (t) => {
  const bytes = encoder.encode(OPENAI_CAPTURE);
  t.ok(bytes.length > OPENAI_CAPTURE.length, 'capture holds multi-byte characters');
  replayEverywhere(t, bytes, OPENAI_EVENTS);
});

t.test('Anthropic capture split at every byte boundary and byte by byte', async (t) => {
  replayEverywhere(t, encoder.encode(ANTHROPIC_CAPTURE), ANTHROPIC_EVENTS);
});

t.test('CRLF line endings, split everywhere', async (t) => {
  const crlf = ANTHROPIC_CAPTURE.replace(/\n/g, '\r\n');
  t.same(whole(crlf), ANTHROPIC_EVENTS);
  replayEverywhere(t, encoder.encode(crlf), ANTHROPIC_EVENTS);
});

t.test('CR-only line endings, split everywhere', async (t) => {
  const cr = OPENAI_CAPTURE.replace(/\n/g, '\r');
  t.same(whole(cr), OPENAI_EVENTS);
  replayEverywhere(t, encoder.encode(cr), OPENAI_EVENTS);
});

t.test('mixed line endings in one stream', async (t) => {
  const text = 'data: a\r\n\r\ndata: b\r\rdata: c\n\nevent: x\r\ndata: d\n\r\n';
  const expected = [{ data: 'a' }, { data: 'b' }, { data: 'c' }, { event: 'x', data: 'd' }];
  t.same(whole(text), expected);
  replayEverywhere(t, encoder.encode(text), expected);
});

t.test('multi-line data joins with \\n; comments and unknown fields are ignored', async (t) => {
  const text = [
    ': this is a comment',
    'data: {"a":',
    ':keep-alive in the middle',
    'data:  1}',
    'retry: 3000',
    'foo: bar',
    '',
    'data',
    'data:',
    '',
    'data:no-space',
    '',
    '',
  ].join('\n');
  const expected = [{ data: '{"a":\n 1}' }, { data: '\n' }, { data: 'no-space' }];
  t.same(whole(text), expected, 'only one leading space is removed; a bare "data" field is an empty line');
  replayEverywhere(t, encoder.encode(text), expected);
});

t.test('a comment-only stream yields nothing', async (t) => {
  t.same(whole(': keep-alive\n\n: keep-alive\n\n'), []);
  t.same(whole(': keep-alive\r\n\r\n'), []);
});

t.test('an event with only event:/id: lines and no data is not dispatched, and its type does not leak', async (t) => {
  const text = 'event: ping\n\ndata: hello\n\n';
  t.same(whole(text), [{ data: 'hello' }]);
});

t.test('id field is reported', async (t) => {
  const events = whole('id: 42\nevent: e\ndata: x\n\n');
  t.same(events, [{ event: 'e', data: 'x', id: '42' }]);
});

t.test('a final event without the trailing blank line is flushed by end()', async (t) => {
  const variants = ['data: last', 'data: last\n', 'data: last\r', 'data: last\r\n'];
  for (const text of variants) {
    const parser = new SseParser();
    t.same(parser.push(encoder.encode(`data: first\n\n${text}`)), [{ data: 'first' }], `${JSON.stringify(text)}: first event at once`);
    t.same(parser.end(), [{ data: 'last' }], `${JSON.stringify(text)}: flushed by end()`);
  }
  const parser = new SseParser();
  t.same(parser.push(encoder.encode('event: message_stop\ndata: {"type":"message_stop"}')), []);
  t.same(parser.end(), [{ event: 'message_stop', data: '{"type":"message_stop"}' }]);
});

t.test('end() with a truncated multi-byte character does not throw and keeps what came before', async (t) => {
  const bytes = encoder.encode('data: ok\n\ndata: 🦀');
  const parser = new SseParser();
  const events = [...parser.push(bytes.subarray(0, bytes.length - 1)), ...parser.end()];
  t.equal(events.length, 2);
  t.same(events[0], { data: 'ok' });
  t.equal(events[1]?.data, '\uFFFD', 'the cut character becomes U+FFFD');
});

t.test('events are yielded as soon as their blank line arrives (no look-ahead buffering)', async (t) => {
  const parser = new SseParser();
  t.same(parser.push(encoder.encode('data: one\n')), []);
  t.same(parser.push(encoder.encode('\n')), [{ data: 'one' }], 'dispatched on the blank line');
  t.same(parser.push(encoder.encode('data: two\r')), []);
  t.same(parser.push(encoder.encode('\r')), [{ data: 'two' }], 'a CR blank line dispatches without waiting for a possible LF');
  t.same(parser.push(encoder.encode('\ndata: three\n\n')), [{ data: 'three' }], 'an LF right after that CR belongs to it');
});

t.test('a UTF-8 BOM at the start is stripped, even when split', async (t) => {
  const bytes = new Uint8Array([0xef, 0xbb, 0xbf, ...encoder.encode('data: x\n\n')]);
  t.same(parse([bytes]), [{ data: 'x' }]);
  t.same(parse([bytes.subarray(0, 1), bytes.subarray(1, 2), bytes.subarray(2)]), [{ data: 'x' }]);
});

t.test('an empty read between CR and LF does not turn the LF into a blank line', async (t) => {
  // Reads of zero bytes happen (e.g. a transport yielding an empty chunk); they must not change framing.
  const parser = new SseParser();
  const events = [
    ...parser.push(encoder.encode('data: a\r')),
    ...parser.push(new Uint8Array(0)),
    ...parser.push(encoder.encode('\ndata: b\r\n\r\n')),
    ...parser.end(),
  ];
  t.same(events, [{ data: 'a\nb' }]);
});

t.test('three-piece splits of a short CRLF capture with multi-byte text', async (t) => {
  const text = 'event: d\r\ndata: é🦀\r\n\r\n: c\r\ndata: 世\r\n\r\n';
  const expected = [{ event: 'd', data: 'é🦀' }, { data: '世' }];
  const bytes = encoder.encode(text);
  let mismatches = 0;
  for (let i = 0; i <= bytes.length; i++) {
    for (let j = i + 1; j <= bytes.length; j++) {
      const events = parse([bytes.subarray(0, i), bytes.subarray(i, j), bytes.subarray(j)]);
      if (!isDeepStrictEqual(events, expected)) mismatches++;
    }
  }
  t.equal(mismatches, 0);
});
