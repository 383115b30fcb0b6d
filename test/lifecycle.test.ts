// Shutdown lets in-flight streams finish; /readyz reflects the configured stores (real Redis on 127.0.0.1:6379).
import t from 'tap';
import { request } from 'undici';
import { startOpenAIUpstream } from './mocks/openai-upstream.js';
import { openaiConfig, startGateway, TENANT_KEY } from './helpers/gateway.js';
import { dataEvents, postStream } from './helpers/sse-client.js';

const REDIS_URL = process.env['REDIS_URL'] ?? 'redis://127.0.0.1:6379';

t.test('stop() waits for an in-flight stream, then refuses new connections', async (t) => {
  const upstream = await startOpenAIUpstream({ reply: 'a b c d e f', chunkDelayMs: 60 });
  t.teardown(() => upstream.close());
  const gw = await startGateway(openaiConfig([{ name: 'u', baseUrl: upstream.url, models: ['gpt-4o'] }]));
  const inFlight = postStream(`${gw.url}/v1/chat/completions`, TENANT_KEY, { model: 'gpt-4o', stream: true, messages: [{ role: 'user', content: 'x' }] });
  // Wait until the stream has started before asking the gateway to stop.
  while (!gw.logs.some(() => true) || upstream.requests.length === 0) await new Promise((r) => setImmediate(r));
  const stopping = gw.stop();
  const { text } = await inFlight;
  await stopping;
  t.equal(dataEvents(text).at(-1), '[DONE]', 'the in-flight stream completed');
  await t.rejects(request(`${gw.url}/healthz`), 'no longer accepting connections');
});

t.test('readyz: ready with a reachable Redis', async (t) => {
  const upstream = await startOpenAIUpstream();
  const yaml = openaiConfig([{ name: 'u', baseUrl: upstream.url, models: ['gpt-4o'] }]).replace('logging: { level: info }', `logging: { level: info }\nstate: { redis: '${REDIS_URL}' }`);
  const gw = await startGateway(yaml);
  t.teardown(async () => {
    await gw.stop();
    await upstream.close();
  });
  const ready = await request(`${gw.url}/readyz`);
  t.equal(ready.statusCode, 200);
  t.same(await ready.body.json(), { status: 'ready', stores: { redis: 'ok', mongodb: 'embedded' } });
  t.ok(gw.gateway.state.redis, 'plugins get a live Redis handle');
  t.equal(await gw.gateway.state.redis?.ping(), 'PONG');
});

t.test('readyz: 503 when Redis is unreachable, while requests are still served', async (t) => {
  const upstream = await startOpenAIUpstream();
  const yaml = openaiConfig([{ name: 'u', baseUrl: upstream.url, models: ['gpt-4o'] }]).replace('logging: { level: info }', `logging: { level: info }\nstate: { redis: 'redis://127.0.0.1:1' }`);
  const gw = await startGateway(yaml);
  t.teardown(async () => {
    await gw.stop();
    await upstream.close();
  });
  const ready = await request(`${gw.url}/readyz`);
  t.equal(ready.statusCode, 503);
  const body = (await ready.body.json()) as { status: string; stores: Record<string, string> };
  t.equal(body.status, 'unavailable');
  t.not(body.stores['redis'], 'ok');
  t.ok(gw.logs.some((l) => l.includes('redis unreachable at startup')), 'the failure is logged');
  const chat = await request(`${gw.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${TENANT_KEY}` },
    body: JSON.stringify({ model: 'gpt-4o', messages: [{ role: 'user', content: 'x' }] }),
  });
  t.equal(chat.statusCode, 200, 'nothing in this pipeline needs Redis');
  await chat.body.dump();
});

t.test('MongoDB connector (runs only when MONGODB_URL is set)', { skip: process.env['MONGODB_URL'] ? false : 'MONGODB_URL not set' }, async (t) => {
  const upstream = await startOpenAIUpstream();
  const yaml = openaiConfig([{ name: 'u', baseUrl: upstream.url, models: ['gpt-4o'] }]).replace('logging: { level: info }', `logging: { level: info }\nstate: { mongodb: '${process.env['MONGODB_URL']}' }`);
  const gw = await startGateway(yaml);
  t.teardown(async () => {
    await gw.stop();
    await upstream.close();
  });
  const ready = await request(`${gw.url}/readyz`);
  t.same(await ready.body.json(), { status: 'ready', stores: { redis: 'embedded', mongodb: 'ok' } });
});
