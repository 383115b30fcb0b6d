// @sluice/cache end to end: a real gateway (auth → probe → cache → retry → router) in front of the wire-exact
// OpenAI upstream, once with the embedded store and once with the real Redis. The probe plugin stands where
// quota would: it reports the cache's plugin state and the usage it sees.
import { randomUUID } from 'node:crypto';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import OpenAI from 'openai';
import { Redis } from 'ioredis';
import { startOpenAIUpstream, DEFAULT_REPLY } from './mocks/openai-upstream.js';
import { startGateway, UPSTREAM_KEY, type TestGateway } from './helpers/gateway.js';
import { dataEvents } from './helpers/sse-client.js';

const REDIS_URL = process.env['REDIS_URL'] ?? 'redis://127.0.0.1:6379';
const ACME = 'sk-cache-test-acme-000000000001';
const GLOBEX = 'sk-cache-test-globex-0000000001';
const ADMIN = 'admin-cache-test-key-0001';
const PREFIX = `sluice:cache:test-${randomUUID()}:`;
// The router keeps channel health in Redis by channel name: a name of this run's own keeps other runs' out.
const CHANNEL = `up-${randomUUID().slice(0, 8)}`;

const PROBE = `export default {
  name: 'cache-probe', version: '1.0.0', schema: { type: 'object' },
  async setup() {
    return async (ctx, next) => {
      const result = await next();
      ctx.responseHeaders['x-probe-state'] = JSON.stringify(ctx.plugins['@sluice/cache'] ?? null);
      if (result.kind === 'response') ctx.responseHeaders['x-probe-usage'] = JSON.stringify(result.usage);
      return result;
    };
  },
};`;
const probeDir = await mkdtemp(join(tmpdir(), 'sluice-cache-probe-'));
const probePath = join(probeDir, 'probe.mjs');
await writeFile(probePath, PROBE);

const upstream = await startOpenAIUpstream({ apiKey: UPSTREAM_KEY });

function cacheYaml(upstreamUrl: string, options: { state?: string; cache?: string; probe?: string } = {}): string {
  return `version: 1
server: { host: 127.0.0.1, adminKey: ${ADMIN} }
logging: { level: warn }
${options.state ?? ''}
pipeline:
  - use: '@sluice/auth'
  - use: '${options.probe ?? probePath}'
  - use: '@sluice/cache'
    with: ${options.cache ?? `{ ttl: 1m, models: ['gpt-4o*', 'text-embedding-*', 'mock-drop'], keyPrefix: '${PREFIX}' }`}
  - use: '@sluice/retry'
    with: { maxAttempts: 2, backoff: 1ms, maxBackoff: 5ms }
  - use: '@sluice/router'
adapters: ['@sluice/adapter-openai']
channels:
  - name: ${CHANNEL}
    adapter: openai
    baseUrl: ${upstreamUrl}
    keys: ['${UPSTREAM_KEY}']
    models: [gpt-4o, gpt-4o-mini, text-embedding-3-small, gpt-3.5-turbo-instruct, mock-drop]
tenants:
  - id: acme
    keys: [{ key: ${ACME}, id: acme-1 }]
  - id: globex
    keys: [{ key: ${GLOBEX}, id: globex-1 }]
`;
}

interface Reply {
  status: number;
  cache: string | null;
  headers: Headers;
  body: Record<string, unknown>;
  text: string;
}

async function call(gw: TestGateway, body: Record<string, unknown>, options: { key?: string; headers?: Record<string, string>; path?: string } = {}): Promise<Reply> {
  const response = await fetch(`${gw.url}${options.path ?? '/v1/chat/completions'}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${options.key ?? ACME}`, 'content-type': 'application/json', ...options.headers },
    body: JSON.stringify(body),
  });
  const text = await response.text();
  let parsed: Record<string, unknown> = {};
  try {
    parsed = JSON.parse(text) as Record<string, unknown>;
  } catch {
    // an SSE body
  }
  return { status: response.status, cache: response.headers.get('x-sluice-cache'), headers: response.headers, body: parsed, text };
}

const ask = (content: string, extra: Record<string, unknown> = {}): Record<string, unknown> => ({ model: 'gpt-4o', messages: [{ role: 'user', content }], ...extra });
const unique = (label: string): string => `${label} ${randomUUID()}`;
const contentOf = (r: Reply): unknown => (r.body['choices'] as { message: { content: unknown } }[] | undefined)?.[0]?.message.content;
const sent = (): number => upstream.requests.length;

function suite(label: string, gw: TestGateway): void {
  t.test(`${label}: identical requests hit; the hit is not sent upstream and carries the cached usage`, async (t) => {
    const question = unique('identical');
    const first = await call(gw, ask(question));
    t.equal(first.status, 200);
    t.equal(first.cache, 'miss');
    t.same(JSON.parse(first.headers.get('x-probe-state') ?? ''), { status: 'miss' });
    const before = sent();
    // Same request, fields in another order and defaults written out: still the same entry.
    const second = await call(gw, { temperature: 1, n: 1, messages: [{ content: question, role: 'user' }], model: 'gpt-4o' });
    t.equal(second.status, 200);
    t.equal(second.cache, 'hit');
    t.equal(sent(), before, 'the upstream was not called');
    t.equal(contentOf(second), DEFAULT_REPLY);
    t.same(second.body['usage'], first.body['usage'], 'the cached usage is returned');
    t.same(JSON.parse(second.headers.get('x-probe-state') ?? ''), { status: 'hit' }, 'plugins outside the cache see the hit');
    t.same(JSON.parse(second.headers.get('x-probe-usage') ?? ''), JSON.parse(first.headers.get('x-probe-usage') ?? ''));
    t.match(second.headers.get('age'), /^\d+$/);
    t.equal(second.headers.get('x-sluice-cache-key'), first.headers.get('x-sluice-cache-key'));
  });

  t.test(`${label}: a different tenant misses`, async (t) => {
    const question = unique('tenants');
    t.equal((await call(gw, ask(question))).cache, 'miss');
    t.equal((await call(gw, ask(question))).cache, 'hit');
    const before = sent();
    const other = await call(gw, ask(question), { key: GLOBEX });
    t.equal(other.cache, 'miss');
    t.equal(sent(), before + 1, 'globex went upstream');
  });

  t.test(`${label}: a cached stream replays as SSE that the official openai SDK consumes`, async (t) => {
    const client = new OpenAI({ apiKey: ACME, baseURL: `${gw.url}/v1`, maxRetries: 0 });
    const question = unique('stream');
    const read = async (): Promise<{ cache: string | null; text: string; finish: string | null | undefined; usage: OpenAI.CompletionUsage | undefined; chunks: number }> => {
      const { data: stream, response } = await client.chat.completions
        .create({ model: 'gpt-4o', messages: [{ role: 'user', content: question }], stream: true, stream_options: { include_usage: true } })
        .withResponse();
      let text = '';
      let finish: string | null | undefined;
      let usage: OpenAI.CompletionUsage | undefined;
      let chunks = 0;
      for await (const chunk of stream) {
        chunks++;
        text += chunk.choices[0]?.delta.content ?? '';
        finish = chunk.choices[0]?.finish_reason ?? finish;
        if (chunk.usage) usage = chunk.usage;
      }
      return { cache: response.headers.get('x-sluice-cache'), text, finish, usage, chunks };
    };
    const first = await read();
    t.equal(first.cache, 'miss');
    const before = sent();
    const second = await read();
    t.equal(second.cache, 'hit');
    t.equal(sent(), before, 'the upstream was not called');
    t.equal(second.text, DEFAULT_REPLY);
    t.equal(second.finish, 'stop');
    t.equal(second.chunks, first.chunks, 'the same chunk sequence');
    t.same(second.usage, first.usage, 'the usage chunk comes back');

    // The same entry, asked without streaming: one JSON answer assembled from the chunks.
    const json = await call(gw, ask(question));
    t.equal(json.cache, 'hit');
    t.equal(json.body['object'], 'chat.completion');
    t.equal(contentOf(json), DEFAULT_REPLY);
    t.equal((json.body['choices'] as { finish_reason: string }[])[0]?.finish_reason, 'stop');
    t.same((json.body['usage'] as { total_tokens: number }).total_tokens, second.usage?.total_tokens);
    t.equal(sent(), before);
  });

  t.test(`${label}: a cached JSON answer replays to a streaming client; tool calls survive both ways`, async (t) => {
    const client = new OpenAI({ apiKey: ACME, baseURL: `${gw.url}/v1`, maxRetries: 0 });
    const tools: OpenAI.ChatCompletionTool[] = [
      { type: 'function', function: { name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' } } } } },
      { type: 'function', function: { name: 'get_time', parameters: { type: 'object', properties: { tz: { type: 'string' } } } } },
    ];
    const viaJson = unique('please call tool, json first');
    const original = await client.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: viaJson }], tools });
    const before = sent();
    const replayed = await client.chat.completions.stream({ model: 'gpt-4o', messages: [{ role: 'user', content: viaJson }], tools }).finalChatCompletion();
    t.equal(sent(), before, 'answered from the cache');
    t.same(replayed.choices[0]?.message.tool_calls, original.choices[0]?.message.tool_calls);
    t.equal(replayed.choices[0]?.finish_reason, 'tool_calls');

    const viaStream = unique('please call tool, stream first');
    const streamed = await client.chat.completions.stream({ model: 'gpt-4o', messages: [{ role: 'user', content: viaStream }], tools }).finalChatCompletion();
    const after = sent();
    const assembled = await client.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: viaStream }], tools });
    t.equal(sent(), after, 'answered from the cache');
    t.same(assembled.choices[0]?.message.tool_calls, streamed.choices[0]?.message.tool_calls);
    t.equal(assembled.choices[0]?.message.content, null);
    t.equal(assembled.choices[0]?.finish_reason, 'tool_calls');
  });

  t.test(`${label}: skip neither reads nor writes; refresh goes upstream and replaces the entry`, async (t) => {
    const question = unique('controls');
    let before = sent();
    const skipped = await call(gw, ask(question), { headers: { 'x-sluice-cache': 'skip' } });
    t.equal(skipped.cache, 'bypass');
    t.same(JSON.parse(skipped.headers.get('x-probe-state') ?? ''), { status: 'bypass' });
    t.equal((await call(gw, ask(question))).cache, 'miss', 'skip stored nothing');
    t.equal(sent(), before + 2);
    t.equal((await call(gw, ask(question), { headers: { 'x-sluice-cache': 'skip' } })).cache, 'bypass', 'skip ignores a stored entry');
    t.equal(sent(), before + 3);
    const stored = await call(gw, ask(question));
    t.equal(stored.cache, 'hit');
    before = sent();
    const refreshed = await call(gw, ask(question), { headers: { 'x-sluice-cache': 'refresh' } });
    t.equal(refreshed.cache, 'miss');
    t.equal(sent(), before + 1, 'refresh went upstream although an entry existed');
    const after = await call(gw, ask(question));
    t.equal(after.cache, 'hit');
    t.equal(after.body['id'], refreshed.body['id'], 'the refreshed answer replaced the old one');
    t.not(after.body['id'], stored.body['id']);
    const typo = await call(gw, ask(question), { headers: { 'x-sluice-cache': 'skp' } });
    t.equal(typo.status, 400, 'an unknown directive is refused, not ignored');
  });

  t.test(`${label}: only-if-cached and Cache-Control`, async (t) => {
    const question = unique('only-if-cached');
    const before = sent();
    const miss = await call(gw, ask(question), { headers: { 'x-sluice-cache': 'only-if-cached' } });
    t.equal(miss.status, 504);
    t.equal(sent(), before, 'the upstream was never asked');
    t.equal((miss.body['error'] as { sluice_code: string }).sluice_code, 'SLUICE_ERR_CACHE_MISS');
    const noStore = await call(gw, ask(question), { headers: { 'cache-control': 'no-store' } });
    t.equal(noStore.cache, 'miss');
    t.equal((await call(gw, ask(question), { headers: { 'cache-control': 'only-if-cached' } })).status, 504, 'no-store stored nothing');
    await call(gw, ask(question));
    t.equal((await call(gw, ask(question), { headers: { 'x-sluice-cache': 'only-if-cached' } })).cache, 'hit');
    const mark = sent();
    t.equal((await call(gw, ask(question), { headers: { 'cache-control': 'no-cache' } })).cache, 'miss', 'no-cache: not answered from the cache');
    t.equal(sent(), mark + 1);
  });

  t.test(`${label}: an error response is never cached`, async (t) => {
    const question = unique('errors');
    upstream.failNext({ status: 400 });
    t.equal((await call(gw, ask(question))).status, 400);
    upstream.failNext({ status: 500 }); // one channel: the retry finds no other and returns this failure
    t.equal((await call(gw, ask(question))).status, 502);
    const before = sent();
    const good = await call(gw, ask(question));
    t.equal(good.status, 200);
    t.equal(good.cache, 'miss', 'no error was stored');
    t.equal(sent(), before + 1);
    // A stream cut mid-way is incomplete: it is not stored either.
    const dropped = { model: 'mock-drop', messages: [{ role: 'user', content: unique('drop') }], stream: true };
    const cut = await call(gw, dropped);
    t.match(cut.text, /"error"/, 'the client saw the stream fail');
    const mark = sent();
    t.equal((await call(gw, dropped)).cache, 'miss');
    t.equal(sent(), mark + 1, 'went upstream again');
  });

  t.test(`${label}: embeddings are cached whatever encoding the client asks`, async (t) => {
    const input = unique('embed me');
    const floats = await call(gw, { model: 'text-embedding-3-small', input, encoding_format: 'float' }, { path: '/v1/embeddings' });
    t.equal(floats.cache, 'miss');
    const before = sent();
    const base64 = await call(gw, { model: 'text-embedding-3-small', input, encoding_format: 'base64' }, { path: '/v1/embeddings' });
    t.equal(base64.cache, 'hit');
    t.equal(sent(), before);
    t.type((base64.body['data'] as { embedding: unknown }[])[0]?.embedding, 'string', 'answered in base64 as asked');
  });

  t.test(`${label}: models outside cache.models bypass`, async (t) => {
    const r = await call(gw, { model: 'gpt-3.5-turbo-instruct', prompt: unique('legacy') }, { path: '/v1/completions' });
    t.equal(r.status, 200);
    t.equal(r.cache, 'bypass');
  });

  t.test(`${label}: admin purge by tenant and by key prefix`, async (t) => {
    const q1 = unique('purge one');
    const q2 = unique('purge two');
    await call(gw, ask(q1));
    const second = await call(gw, ask(q2));
    await call(gw, ask(q1), { key: GLOBEX });
    const purge = (query: string, key = ADMIN): Promise<Response> => fetch(`${gw.url}/admin/cache?${query}`, { method: 'DELETE', headers: { authorization: `Bearer ${key}` } });
    t.equal((await purge('tenant=acme', ACME)).status, 401, 'a tenant key cannot purge');
    const byKey = await purge(`prefix=${encodeURIComponent(second.headers.get('x-sluice-cache-key') ?? '')}`);
    t.same(await byKey.json(), { purged: 1, vectors: 0 });
    t.equal((await call(gw, ask(q2))).cache, 'miss', 'that entry is gone');
    t.equal((await call(gw, ask(q1))).cache, 'hit', 'the others stay');
    const byTenant = await purge('tenant=acme');
    t.equal(byTenant.status, 200);
    t.ok(((await byTenant.json()) as { purged: number }).purged >= 2);
    t.equal((await call(gw, ask(q1))).cache, 'miss', 'acme starts over');
    t.equal((await call(gw, ask(q1), { key: GLOBEX })).cache, 'hit', 'globex keeps its entries');
    t.equal((await purge('')).status, 400, 'purging needs a selector');
  });
}

const embedded = await startGateway(cacheYaml(upstream.url));
const redisBacked = await startGateway(cacheYaml(upstream.url, { state: `state: { redis: '${REDIS_URL}' }` }));
const redis = new Redis(REDIS_URL, { lazyConnect: true });
await redis.connect();
t.teardown(async () => {
  await embedded.stop();
  await redisBacked.stop();
  await upstream.close();
  const keys = await redis.keys(`${PREFIX}*`);
  if (keys.length > 0) await redis.del(...keys);
  await redis.quit();
});

suite('embedded', embedded);
suite('redis', redisBacked);

t.test('redis: entries are shared by gateway instances and expire with the TTL', async (t) => {
  const question = unique('shared');
  const first = await call(redisBacked, ask(question));
  const key = first.headers.get('x-sluice-cache-key') ?? '';
  const ttl = await redis.pttl(PREFIX + key);
  t.ok(ttl > 0 && ttl <= 60_000, `PX set from ttl: 1m (${ttl} ms left)`);
  const other = await startGateway(cacheYaml(upstream.url, { state: `state: { redis: '${REDIS_URL}' }` }));
  t.teardown(() => other.stop());
  t.equal((await call(other, ask(question))).cache, 'hit', 'another instance answers from the same entry');
});

t.test('onlyDeterministic: only temperature-0 calls are cached', async (t) => {
  const gw = await startGateway(cacheYaml(upstream.url, { cache: '{ onlyDeterministic: true }' }));
  t.teardown(() => gw.stop());
  const question = unique('deterministic');
  t.equal((await call(gw, ask(question))).cache, 'bypass', 'default temperature: not cached');
  t.equal((await call(gw, ask(question, { temperature: 0.7 }))).cache, 'bypass');
  t.equal((await call(gw, ask(question, { temperature: 0 }))).cache, 'miss');
  t.equal((await call(gw, ask(question, { temperature: 0 }))).cache, 'hit');
  const stream = await call(gw, ask(question, { temperature: 0, stream: true }));
  t.equal(stream.cache, 'hit', 'the stream shares the JSON answer');
  t.equal(dataEvents(stream.text).at(-1), '[DONE]');
});
