// The suite must catch what it claims to catch: each test breaks one rule in an otherwise conforming adapter (the
// real mock adapter) and expects that failure. Assertions are recorded through the framework-neutral
// ConformanceTest interface, implemented here with node:assert, so a failing check does not fail this file.
import t from 'tap';
import { deepStrictEqual } from 'node:assert/strict';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Adapter, ChatRequest, UpstreamErrorKind } from '@sluice/core';
import mock from '@sluice/adapter-mock';
import { loadFixtures, MAPPABLE_KINDS, runAdapterConformance, type ConformanceOptions, type ConformanceTest, type FixtureCase } from '@sluice/adapter-testkit';

class Recorder implements ConformanceTest {
  constructor(
    readonly failures: string[] = [],
    readonly path = '',
    /** What each failed strictSame found, by message. */
    readonly found = new Map<string, unknown>(),
  ) {}
  async test(name: string, fn: (t: ConformanceTest) => Promise<void>): Promise<void> {
    const child = new Recorder(this.failures, this.path ? `${this.path} > ${name}` : name, this.found);
    try {
      await fn(child);
    } catch (error) {
      this.failures.push(`${child.path}: threw ${(error as Error).message}`);
    }
  }
  ok(value: unknown, message: string): void {
    if (!value) this.failures.push(`${this.path}: ${message}`);
  }
  strictSame(found: unknown, wanted: unknown, message: string): void {
    try {
      deepStrictEqual(found, wanted);
    } catch {
      this.failures.push(`${this.path}: ${message}`);
      this.found.set(message, found);
    }
  }
}

/** Whether one recorded failure matches: the baseline passes clean, so any failure comes from the sabotage. */
const has = (failures: readonly string[], pattern: RegExp): boolean => failures.some((f) => pattern.test(f));

type MockOptions = { firstTokenDelayMs: number; tokenDelayMs: number; dimensions: number };
const OPTIONS: MockOptions = { firstTokenDelayMs: 0, tokenDelayMs: 0, dimensions: 64 };
const chat: ChatRequest = { operation: 'chat', model: 'mock-gpt', stream: false, includeUsage: false, messages: [{ role: 'user', content: 'hi' }] };
const body = { model: 'conformance-model', stream: false, options: OPTIONS, tools: [], inputs: ['hi'], prompt: 'hi', op: 'chat' };

const CASES: FixtureCase[] = [
  ...(['chat', 'completions', 'embeddings'] as const).map((op): FixtureCase => ({
    name: `request-${op}`,
    kind: 'request',
    request:
      op === 'chat'
        ? chat
        : op === 'completions'
          ? { operation: op, model: 'mock-gpt', stream: false, includeUsage: false, prompt: 'hi' }
          : { operation: op, model: 'mock-gpt', stream: false, includeUsage: false, input: 'hi' },
    expect: {
      method: 'POST',
      path: op === 'embeddings' ? '/embed' : '/generate',
      headers: {},
      stream: false,
      body: op === 'chat' ? body : op === 'completions' ? { ...body, op } : { ...body, op, prompt: '' },
    },
  })),
  {
    name: 'response-chat',
    kind: 'response',
    request: chat,
    ignore: ['created'],
    upstream: { body: { id: 'm1', text: 'yo', finish: 'stop', usage: { in: 1, out: 1 } } },
    expect: {
      response: { operation: 'chat', id: 'm1', created: 0, model: 'mock-gpt', choices: [{ index: 0, finishReason: 'stop', message: { role: 'assistant', content: 'yo' } }] },
      usage: { input: 1, output: 1 },
    },
  },
  {
    name: 'stream-chat',
    kind: 'stream',
    request: { ...chat, stream: true },
    ignore: ['id', 'created'],
    upstream: { sse: ['event: token\ndata: {"text":"yo"}\n\n', 'event: done\r\ndata: {"finish":"stop","usage":{"in":1,"out":1}}\r\n\r\n'] },
    expect: {
      chunks: [
        { operation: 'chat', id: '', created: 0, model: 'mock-gpt', choices: [{ index: 0, delta: { role: 'assistant', content: 'yo' }, finishReason: null }] },
        { operation: 'chat', id: '', created: 0, model: 'mock-gpt', choices: [{ index: 0, delta: {}, finishReason: 'stop' }] },
      ],
      usage: { input: 1, output: 1 },
    },
  },
  { name: 'error-429', kind: 'error', upstream: { status: 429, headers: { 'Retry-After': '2' }, body: { error: 'slow' } }, expect: { kind: 'rate_limited', retryable: true, retryAfterMs: 2000 } },
];
const ERROR_CASE = CASES.find((c) => c.kind === 'error') as FixtureCase;
// This inline set maps one error kind; the others are exempted so the baseline passes.
const UNMAPPED = Object.fromEntries(MAPPABLE_KINDS.filter((k) => k !== 'rate_limited').map((k) => [k, 'not in this inline subset'])) as Partial<Record<UpstreamErrorKind, string>>;

async function failuresOf(adapter: Adapter<MockOptions>, overrides: Partial<ConformanceOptions<MockOptions>> = {}): Promise<string[]> {
  const recorder = new Recorder();
  await runAdapterConformance(recorder, { adapter, options: OPTIONS, cases: CASES, unmappedKinds: UNMAPPED, ...overrides });
  return recorder.failures;
}

const adapter = mock as Adapter<MockOptions>;

t.test('a conforming adapter passes every check', async (t) => {
  t.strictSame(await failuresOf(adapter), []);
});

t.test('writing into the request is caught (the request is deep-frozen)', async (t) => {
  const mutating: Adapter<MockOptions> = {
    ...adapter,
    toUpstream(request, ctx) {
      if (request.operation === 'chat') (request.messages as { role: string; content: unknown }[]).push({ role: 'user', content: 'extra' });
      return adapter.toUpstream(request, ctx);
    },
  };
  t.ok(has(await failuresOf(mutating), /request-chat: toUpstream threw on a deep-frozen request/));
});

t.test('the key outside the headers is caught', async (t) => {
  const leaking: Adapter<MockOptions> = {
    ...adapter,
    toUpstream: (request, ctx) => ({ ...adapter.toUpstream(request, ctx), path: `/generate/${ctx.apiKey}` }),
  };
  const failures = await failuresOf(leaking);
  t.ok(failures.some((f) => /the API key is not in the path or query/.test(f)), 'in the path');
  t.ok(failures.some((f) => /request-chat: path$/.test(f)), 'and the golden path differs');
});

t.test('zeros for usage nobody reported are caught', async (t) => {
  const zeroing: Adapter<MockOptions> = {
    ...adapter,
    createStream(request, ctx) {
      const inner = adapter.createStream(request, ctx);
      return { push: (e) => inner.push(e), end: () => inner.end(), usage: () => ({ input: 0, output: 0, ...inner.usage() }) };
    },
  };
  t.ok(has(await failuresOf(zeroing), /stream-chat: usage before any event is "not reported"/));
});

t.test('state shared between requests is caught by the replays', async (t) => {
  let calls = 0; // module-level state: each request's translator sees the previous ones
  const sharing: Adapter<MockOptions> = {
    ...adapter,
    createStream(request, ctx) {
      const inner = adapter.createStream(request, ctx);
      return { ...inner, push: (e) => inner.push(e).map((c) => ({ ...c, model: `${c.model}-${calls++}` })) };
    },
  };
  const failures = await failuresOf(sharing);
  t.ok(failures.some((f) => /stream-chat: split in two at each of \d+ byte offsets/.test(f)), 'the byte-split replays differ');
  t.ok(failures.some((f) => /stream-chat: canonical chunks/.test(f)), 'and the golden chunks differ');
});

t.test('a translator that chokes on an unknown event is caught', async (t) => {
  const strictTranslator: Adapter<MockOptions> = {
    ...adapter,
    createStream(request, ctx) {
      const inner = adapter.createStream(request, ctx);
      return {
        ...inner,
        push(event) {
          if (event.event !== 'token' && event.event !== 'done') throw new Error(`unexpected event ${event.event}`);
          return inner.push(event);
        },
      };
    },
  };
  t.ok(has(await failuresOf(strictTranslator), /stream-chat: unknown events between the real ones are ignored/));
});

t.test('a mapError that throws on an odd body is caught', async (t) => {
  const fragile: Adapter<MockOptions> = {
    ...adapter,
    mapError: (status, body, headers) => adapter.mapError(status, (body as { error: unknown }).error === undefined ? undefined : body, headers),
  };
  t.ok(has(await failuresOf(fragile), /contract: mapError is total/));
});

t.test('drops: reported ones pass; a strict channel error swallowed by the adapter is caught', async (t) => {
  const dropCase: FixtureCase = { ...(CASES[0] as FixtureCase & { kind: 'request' }), name: 'request-drop' };
  (dropCase as { expect: { dropped?: string[] } }).expect = { ...(CASES[0] as FixtureCase & { kind: 'request' }).expect, dropped: ['temperature'] };
  const reporting: Adapter<MockOptions> = {
    ...adapter,
    toUpstream(request, ctx) {
      ctx.drop('temperature', 'the mock has no sampling');
      return adapter.toUpstream(request, ctx);
    },
  };
  const swallowing: Adapter<MockOptions> = {
    ...adapter,
    toUpstream(request, ctx) {
      try {
        ctx.drop('temperature', 'the mock has no sampling');
      } catch {
        // wrong: the strict channel's refusal must reach core
      }
      return adapter.toUpstream(request, ctx);
    },
  };
  const only = { cases: [dropCase] as FixtureCase[], unmappedKinds: Object.fromEntries(MAPPABLE_KINDS.map((k) => [k, 'subset'])) };
  const reported = await failuresOf(reporting, only);
  t.notOk(reported.some((f) => f.includes('request-drop')), 'a reported drop passes');
  t.ok(has(await failuresOf(swallowing, only), /request-drop: on a strict channel, the error thrown by ctx.drop propagates/));
  t.ok(has(await failuresOf(adapter, only), /request-drop: fields reported through ctx.drop/), 'a drop not reported fails');
});

t.test('coverage: missing operations, usage and error kinds are listed', async (t) => {
  const recorder = new Recorder();
  await runAdapterConformance(recorder, { adapter, options: OPTIONS, cases: [ERROR_CASE], unmappedKinds: { content_filter: ' ' } });
  t.ok(has(recorder.failures, /contract: the fixtures cover every operation/));
  // rate_limited is mapped by the one error case, so it is not listed.
  const missing = recorder.found.get('the fixtures cover every operation, usage in responses and streams, and every error kind');
  t.equal((missing as unknown[] | undefined)?.length, 13);
  t.match(missing, [
    'a request fixture for operation "chat"',
    'a request fixture for operation "completions"',
    'a request fixture for operation "embeddings"',
    'a response fixture whose usage reports input and output',
    'a stream fixture whose usage reports input and output',
    /"auth"/, /"bad_request"/, /"not_found"/, /"context_length"/, /"overloaded"/, /"timeout"/, /"server"/,
    'a reason for unmappedKinds.content_filter',
  ]);
});

t.test('loadFixtures: one case per file, named by it; a bad file is named in the error', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'sluice-testkit-'));
  await writeFile(join(dir, 'error-429.json'), JSON.stringify(ERROR_CASE));
  await writeFile(join(dir, 'notes.txt'), 'ignored');
  const cases = await loadFixtures(dir);
  t.strictSame(cases.map((c) => [c.name, c.kind]), [['error-429', 'error']]);
  await writeFile(join(dir, 'request-bad.json'), JSON.stringify({ kind: 'request', request: chat, expect: { method: 'POST', headers: {}, stream: false } }));
  await t.rejects(loadFixtures(dir), /fixture request-bad: "expect.path" is required for kind "request"/);
  await writeFile(join(dir, 'request-bad.json'), '{"kind": "request",');
  await t.rejects(loadFixtures(dir), /fixture request-bad: not valid JSON/);
  await writeFile(join(dir, 'request-bad.json'), '{"kind": "golden"}');
  await t.rejects(loadFixtures(dir), /fixture request-bad: "kind" must be one of/);
  await t.rejects(loadFixtures(await mkdtemp(join(tmpdir(), 'sluice-testkit-empty-'))), /no fixtures/);
});
