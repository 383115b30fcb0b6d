// The Anthropic stream translator: captured SSE replayed split at every byte boundary, parallel tool calls,
// thinking with signatures, usage semantics, unknown events, error events and truncated streams.
import t from 'tap';
import anthropic from '@sluice/adapter-anthropic';
import type { ChatRequest } from '@sluice/core';
import { context, fixture, fold, replay } from './helpers.js';

const request: ChatRequest = { operation: 'chat', model: 'claude', messages: [{ role: 'user', content: 'hi' }], stream: true, includeUsage: true };
const encoder = new TextEncoder();

/** Replays a capture whole and split at every byte boundary (one cut, and every byte on its own). */
function everySplit(name: string, check: (chunks: ReturnType<typeof replay>, label: string) => void): void {
  const bytes = encoder.encode(fixture(name));
  const run = (cuts: number[], label: string): void => check(replay(bytes, cuts, anthropic.createStream(request, context())), label);
  run([], 'whole');
  for (let cut = 1; cut < bytes.length; cut++) run([cut], `cut at ${cut}`);
  run(Array.from({ length: bytes.length - 1 }, (_, i) => i + 1), 'byte by byte');
}

t.test('text stream: same chunks wherever the bytes are cut (UTF-8 inside a split included)', async (t) => {
  const whole = fold(replay(encoder.encode(fixture('text.sse')), [], anthropic.createStream(request, context())));
  t.equal(whole.content, 'Héllo wörld 🌍!');
  t.strictSame(whole.finish, ['stop']);
  let mismatches = 0;
  everySplit('text.sse', (chunks, label) => {
    const f = fold(chunks);
    if (f.content !== whole.content || f.finish.join() !== 'stop') {
      mismatches++;
      t.fail(`${label}: ${JSON.stringify(f)}`);
    }
  });
  t.equal(mismatches, 0, 'every split gives the same result');
});

t.test('text stream: role first, ids and model, usage with canonical (OpenAI) semantics', async (t) => {
  const translator = anthropic.createStream(request, context());
  const chunks = replay(encoder.encode(fixture('text.sse')), [], translator);
  const first = chunks[0];
  t.equal(first?.operation === 'chat' && first.choices[0]?.delta.role, 'assistant');
  t.equal(first?.id, 'msg_01XFDUDYJgAACzvnptvVoYEL');
  t.equal(first?.model, 'claude-sonnet-4-6');
  // input_tokens (25) excludes cache reads (1200) and writes (40); canonical input includes both.
  t.strictSame(translator.usage(), { input: 1265, cachedInput: 1200, cacheWrite: 40, output: 15 });
});

t.test('parallel tool calls: input_json_delta reassembled per block into stable tool-call indexes', async (t) => {
  everySplit('tools-parallel.sse', (chunks, label) => {
    const f = fold(chunks);
    const ok =
      f.content === 'Checking both.' &&
      f.finish.join() === 'tool_calls' &&
      JSON.stringify(f.calls) ===
        JSON.stringify([
          [0, { arguments: '{"city": "San Francisco"}', id: 'toolu_01T1x1fJ34qAmk2tNTrN7Up6', name: 'get_weather' }],
          [1, { arguments: '{"tz": "America/Los_Angeles"}', id: 'toolu_01WsLQqJvBkHi2V7fnUbaLzB', name: 'get_time' }],
        ]);
    if (!ok) t.fail(`${label}: ${JSON.stringify(f)}`);
  });
  const chunks = replay(encoder.encode(fixture('tools-parallel.sse')), [], anthropic.createStream(request, context()));
  const starts = chunks.flatMap((c) => (c.operation === 'chat' ? (c.choices[0]?.delta.toolCalls ?? []) : [])).filter((c) => c.id);
  t.strictSame(
    starts.map((c) => [c.index, c.type, c.function?.arguments]),
    [[0, 'function', ''], [1, 'function', '']],
    'each call opens once with id, type and name; empty partial_json is not a chunk',
  );
});

t.test('thinking: reasoning text, the signature, and redacted blocks survive any split', async (t) => {
  const translator = anthropic.createStream(request, context());
  const f = fold(replay(encoder.encode(fixture('thinking.sse')), [], translator));
  t.equal(f.reasoning, 'I need to find the GCD of 1071 and 462 using the Euclidean algorithm.');
  t.strictSame(f.signatures, ['EqQBCgIYAhIM1gbcDa9GJwZA2b3hGgxBdjrkzLoky3dl1pkiMOYds6ceDiOr5fJ8OB1xqCJbUlWoHUJ0Lh5B3g2a0P1aGl8VKrwRLVFo=']);
  t.strictSame(f.redacted, ['EmwKAhgBEgy3va3pzix/LafPsn4aDFIT2Xlxh0L5L8rLVyIwxtE3rAFBa8cr3qpPkNRj2YfWXGmKDxH4mPnZ5sQ7vB5URj']);
  t.equal(f.content, 'The GCD is 21.');
  t.strictSame(translator.usage(), { input: 85, cachedInput: 0, cacheWrite: 0, output: 212, reasoning: 180 });
  const expected = JSON.stringify(f);
  everySplit('thinking.sse', (chunks, label) => {
    if (JSON.stringify(fold(chunks)) !== expected) t.fail(label);
  });
});

t.test('unknown events, block kinds and delta kinds are ignored; unrepresentable blocks are reported', async (t) => {
  const ctx = context();
  const translator = anthropic.createStream(request, ctx);
  const f = fold(replay(encoder.encode(fixture('unknown-events.sse')), [], translator));
  t.equal(f.content, 'Sunny.');
  t.strictSame(f.calls, [], 'a server_tool_use input is not a client tool call');
  t.strictSame(f.finish, ['stop']);
  t.strictSame(ctx.dropped.map((d) => d.field), ['content.server_tool_use']);
  t.strictSame(translator.usage(), { input: 10, output: 7 }, 'cache counts not reported stay undefined');
});

t.test('an error event inside the stream fails it with the upstream type and message', async (t) => {
  const translator = anthropic.createStream(request, context());
  const head = fixture('text.sse').split('event: content_block_stop')[0]!;
  const bytes = encoder.encode(`${head}event: error\ndata: {"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}}\n\n`);
  t.throws(() => replay(bytes, [], translator), /overloaded_error: Overloaded/);
});

t.test('malformed data and a stream that ends before the message completes are errors, not silent ends', async (t) => {
  const malformed = encoder.encode('event: message_start\ndata: {"type":"message_start","message":{"id":"m"}}\n\nevent: content_block_delta\ndata: {not json\n\n');
  t.throws(() => replay(malformed, [], anthropic.createStream(request, context())));
  const truncated = encoder.encode(fixture('text.sse').split('event: message_delta')[0]!);
  t.throws(() => replay(truncated, [], anthropic.createStream(request, context())), /ended before the message was complete/);
  t.throws(() => replay(new Uint8Array(), [], anthropic.createStream(request, context())), 'an empty 200 stream is not an answer');
});
