// The onion (compose) and the one after-the-result helper (tapStream).
import t from 'tap';
import { GatewayError, tapStream, type CanonicalChunk, type ChatChunk, type RelayResult, type Usage } from '@sluice/core';
import { compose } from '../src/pipeline/compose.js';
import { createContext } from '../src/pipeline/context.js';
import { createLogger } from '../src/logger.js';
import type { Middleware } from '../src/contracts/plugin.js';
import type { RelayContext } from '../src/contracts/context.js';

const log = createLogger('silent');

function context(): RelayContext {
  return createContext({
    id: 'req-1',
    surface: 'openai',
    request: { operation: 'chat', model: 'm', messages: [{ role: 'user', content: 'hi' }], stream: false, includeUsage: false },
    headers: {},
    query: {},
    clientIp: '127.0.0.1',
    signal: new AbortController().signal,
    log,
  });
}

const response = (text: string): RelayResult => ({
  kind: 'response',
  usage: { input: 1, output: 1 },
  response: {
    operation: 'chat',
    id: 'r',
    created: 0,
    model: 'm',
    choices: [{ index: 0, message: { role: 'assistant', content: text }, finishReason: 'stop' }],
  },
});

const textOf = (result: RelayResult): unknown =>
  result.kind === 'response' && result.response.operation === 'chat' ? result.response.choices[0]?.message.content : undefined;

/** A middleware that records entering and leaving. */
const recording = (name: string, calls: string[]): Middleware => async (ctx, next) => {
  calls.push(`${name}>`);
  ctx.note(name, 'in');
  const result = await next();
  calls.push(`<${name}`);
  return result;
};

t.test('compose: the list order is the nesting order (outermost first)', async (t) => {
  const calls: string[] = [];
  const handler = compose([recording('auth', calls), recording('retry', calls), recording('router', calls)], async () => {
    calls.push('dispatch');
    return response('ok');
  });
  const ctx = context();
  const result = await handler(ctx);
  t.equal(textOf(result), 'ok');
  t.strictSame(calls, ['auth>', 'retry>', 'router>', 'dispatch', '<router', '<retry', '<auth']);
  t.strictSame(ctx.trace.map((e) => e.by), ['auth', 'retry', 'router'], 'every middleware saw the same context');
});

t.test('compose: no middlewares → the innermost handler alone', async (t) => {
  const handler = compose([], async () => response('direct'));
  t.equal(textOf(await handler(context())), 'direct');
});

t.test('compose: a middleware answering without next() stops the inner ones', async (t) => {
  const calls: string[] = [];
  const cache: Middleware = async () => {
    calls.push('cache-hit');
    return response('from cache');
  };
  const handler = compose([recording('auth', calls), cache, recording('router', calls)], async () => {
    calls.push('dispatch');
    return response('from upstream');
  });
  const result = await handler(context());
  t.equal(textOf(result), 'from cache');
  t.strictSame(calls, ['auth>', 'cache-hit', '<auth']);
});

t.test('compose: a middleware rejecting by throwing; outer ones see the error', async (t) => {
  const seen: unknown[] = [];
  const outer: Middleware = async (_ctx, next) => {
    try {
      return await next();
    } catch (error) {
      seen.push(error);
      throw error;
    }
  };
  const auth: Middleware = async () => {
    throw new GatewayError('SLUICE_ERR_UNAUTHENTICATED', 'no key');
  };
  let dispatched = false;
  const handler = compose([outer, auth], async () => {
    dispatched = true;
    return response('x');
  });
  await t.rejects(handler(context()), { code: 'SLUICE_ERR_UNAUTHENTICATED', status: 401 });
  t.equal(seen.length, 1);
  t.equal(dispatched, false);
});

t.test('compose: next() called twice (retry) runs every inner middleware again', async (t) => {
  const calls: string[] = [];
  let attempts = 0;
  const retry: Middleware = async (_ctx, next) => {
    try {
      return await next();
    } catch {
      calls.push('retrying');
      return next();
    }
  };
  const handler = compose([recording('auth', calls), retry, recording('router', calls), recording('quota', calls)], async (ctx) => {
    attempts++;
    ctx.attempts.push({ channel: `c${attempts}`, keyIndex: 0, upstreamModel: 'm', startedAt: 0 });
    calls.push(`dispatch#${attempts}`);
    if (attempts === 1) throw new Error('upstream failed');
    return response(`attempt ${attempts}`);
  });
  const ctx = context();
  const result = await handler(ctx);
  t.equal(textOf(result), 'attempt 2');
  t.strictSame(calls, ['auth>', 'router>', 'quota>', 'dispatch#1', 'retrying', 'router>', 'quota>', 'dispatch#2', '<quota', '<router', '<auth']);
  t.strictSame(ctx.attempts.map((a) => a.channel), ['c1', 'c2'], 'both attempts recorded on the one context');
});

t.test('compose: built once, used for many concurrent requests without sharing state', async (t) => {
  const handler = compose([async (ctx, next) => { ctx.note('m', ctx.id); return next(); }], async (ctx) => response(ctx.id));
  const contexts = Array.from({ length: 5 }, (_, i) => createContext({ ...baseInit(), id: `r${i}` }));
  const results = await Promise.all(contexts.map((c) => handler(c)));
  t.strictSame(results.map(textOf), ['r0', 'r1', 'r2', 'r3', 'r4']);
  t.strictSame(contexts.map((c) => c.trace.length), [1, 1, 1, 1, 1]);
});

function baseInit(): Parameters<typeof createContext>[0] {
  return {
    id: 'x',
    surface: 'openai',
    request: { operation: 'chat', model: 'm', messages: [], stream: false, includeUsage: false },
    headers: {},
    query: {},
    clientIp: '127.0.0.1',
    signal: new AbortController().signal,
    log,
  };
}

// ---- tapStream ----

const chatChunk = (content: string): ChatChunk => ({
  operation: 'chat',
  id: 'c',
  created: 0,
  model: 'm',
  choices: [{ index: 0, delta: { content }, finishReason: null }],
});

interface FakeStream {
  result: RelayResult & { kind: 'stream' };
  /** Set when the source generator's finally ran (the upstream was closed). */
  closed: () => boolean;
}

/** A stream result whose usage grows with each chunk; throws `failAfter` chunks in if given. */
function stream(texts: readonly string[], failAfter?: number): FakeStream {
  let output = 0;
  let closed = false;
  async function* chunks(): AsyncGenerator<CanonicalChunk> {
    try {
      for (const [i, text] of texts.entries()) {
        if (failAfter !== undefined && i === failAfter) throw new Error('upstream broke');
        output++;
        yield chatChunk(text);
      }
    } finally {
      closed = true;
    }
  }
  return {
    result: { kind: 'stream', chunks: chunks(), usage: (): Usage => (output === texts.length ? { input: 7, output } : { output }) },
    closed: () => closed,
  };
}

interface Recorded {
  chunks: string[];
  ends: Usage[];
  errors: { error: unknown; usage: Usage }[];
}

function recorder(): { handlers: Parameters<typeof tapStream>[1]; record: Recorded } {
  const record: Recorded = { chunks: [], ends: [], errors: [] };
  return {
    record,
    handlers: {
      onChunk: (c) => void record.chunks.push(c.operation === 'chat' ? (c.choices[0]?.delta.content ?? '') : ''),
      onEnd: (usage) => void record.ends.push({ ...usage }),
      onError: (error, usage) => void record.errors.push({ error, usage: { ...usage } }),
    },
  };
}

t.test('tapStream: onChunk per chunk, then onEnd once with the final usage', async (t) => {
  const { result } = stream(['a', 'b', 'c']);
  const { handlers, record } = recorder();
  const tapped = tapStream(result, handlers);
  t.equal(tapped.kind, 'stream');
  if (tapped.kind !== 'stream') return;
  const seen: string[] = [];
  for await (const chunk of tapped.chunks) {
    seen.push(chunk.operation === 'chat' ? (chunk.choices[0]?.delta.content ?? '') : '');
    t.equal(record.chunks.length, seen.length, 'onChunk runs before the consumer gets the chunk');
    t.equal(record.ends.length, 0, 'onEnd not before the end');
  }
  t.strictSame(seen, ['a', 'b', 'c'], 'the consumer sees every chunk unchanged');
  t.strictSame(record.chunks, ['a', 'b', 'c']);
  t.strictSame(record.ends, [{ input: 7, output: 3 }]);
  t.strictSame(record.errors, []);
  t.strictSame(tapped.usage(), { input: 7, output: 3 }, 'usage() still reads the source');
});

t.test('tapStream: a throwing stream calls onError once, with the usage so far, and rethrows', async (t) => {
  const { result, closed } = stream(['a', 'b', 'c'], 2);
  const { handlers, record } = recorder();
  const tapped = tapStream(result, handlers);
  if (tapped.kind !== 'stream') return t.fail('expected a stream');
  const seen: string[] = [];
  await t.rejects(
    (async () => {
      for await (const chunk of tapped.chunks) seen.push(chunk.operation === 'chat' ? (chunk.choices[0]?.delta.content ?? '') : '');
    })(),
    { message: 'upstream broke' },
  );
  t.strictSame(seen, ['a', 'b']);
  t.equal(record.errors.length, 1, 'exactly one onError');
  t.match(record.errors[0], { error: { message: 'upstream broke' }, usage: { output: 2 } });
  t.strictSame(record.ends, [], 'no onEnd');
  t.ok(closed());
});

t.test('tapStream: the consumer breaking early reports an AbortError with the usage so far and closes the source', async (t) => {
  const { result, closed } = stream(['a', 'b', 'c', 'd']);
  const { handlers, record } = recorder();
  const tapped = tapStream(result, handlers);
  if (tapped.kind !== 'stream') return t.fail('expected a stream');
  for await (const chunk of tapped.chunks) {
    if (chunk.operation === 'chat' && chunk.choices[0]?.delta.content === 'b') break;
  }
  t.strictSame(record.chunks, ['a', 'b']);
  t.equal(record.errors.length, 1, 'exactly one onError');
  const error = record.errors[0]?.error;
  t.ok(error instanceof Error || error instanceof DOMException);
  t.equal((error as { name?: string }).name, 'AbortError');
  t.strictSame(record.errors[0]?.usage, { output: 2 });
  t.strictSame(record.ends, []);
  t.ok(closed(), 'the upstream iterator was closed');
});

t.test('tapStream: a consumer that gives up before reading anything still settles (exactly one of onEnd/onError)', async (t) => {
  // e.g. a plugin that discards a stream result it got from next(): return() without any next(). Quota must still
  // refund its reservation, so the tap must report it.
  const { result } = stream(['a', 'b']);
  const { handlers, record } = recorder();
  const tapped = tapStream(result, handlers);
  if (tapped.kind !== 'stream') return t.fail('expected a stream');
  const iterator = tapped.chunks[Symbol.asyncIterator]();
  await iterator.return?.();
  t.equal(record.errors.length + record.ends.length, 1, 'exactly one of onEnd / onError');
  t.equal((record.errors[0]?.error as { name?: string } | undefined)?.name, 'AbortError');
});

t.test('tapStream: taps nest (two plugins), each settles once', async (t) => {
  const { result } = stream(['a', 'b']);
  const inner = recorder();
  const outer = recorder();
  const tapped = tapStream(tapStream(result, inner.handlers), outer.handlers);
  if (tapped.kind !== 'stream') return t.fail('expected a stream');
  for await (const chunk of tapped.chunks) void chunk;
  t.strictSame(inner.record.ends, [{ input: 7, output: 2 }]);
  t.strictSame(outer.record.ends, [{ input: 7, output: 2 }]);
  t.strictSame(inner.record.chunks, ['a', 'b']);
  t.strictSame(outer.record.chunks, ['a', 'b']);
});

t.test('tapStream: a response result calls onEnd at once and is returned as is', async (t) => {
  const result = response('done');
  const { handlers, record } = recorder();
  const tapped = tapStream(result, handlers);
  t.equal(tapped, result);
  t.strictSame(record.ends, [{ input: 1, output: 1 }], 'onEnd ran synchronously');
  t.strictSame(record.errors, []);
  t.strictSame(record.chunks, []);
});

t.test('tapStream: handlers are optional', async (t) => {
  const { result } = stream(['a']);
  const tapped = tapStream(result, {});
  if (tapped.kind !== 'stream') return t.fail('expected a stream');
  const seen: CanonicalChunk[] = [];
  for await (const chunk of tapped.chunks) seen.push(chunk);
  t.equal(seen.length, 1);
});
