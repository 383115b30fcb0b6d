// The default gateway.yaml is what `npm start` serves: it must answer the demo key through the mock adapter.
import t from 'tap';
import { request } from 'undici';
import { Writable } from 'node:stream';
import { createGateway } from '@sluice/core';
import { REPO_ROOT } from './helpers/gateway.js';
import { dataEvents, postStream } from './helpers/sse-client.js';

const gateway = await createGateway({
  configPath: `${REPO_ROOT}gateway.yaml`,
  env: {},
  port: 0,
  logDestination: new Writable({ write: (_c, _e, done) => done() }),
});
await gateway.start();
t.teardown(() => gateway.stop());
const DEMO_KEY = 'sk-sluice-demo';

t.test('non-stream chat with the demo key', async (t) => {
  const response = await request(`${gateway.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${DEMO_KEY}` },
    body: JSON.stringify({ model: 'mock-gpt', messages: [{ role: 'user', content: 'hello gateway' }] }),
  });
  t.equal(response.statusCode, 200);
  const body = (await response.body.json()) as { choices: { message: { content: string } }[]; usage: { total_tokens: number } };
  t.equal(body.choices[0]?.message.content, 'This is a mock reply to: hello gateway');
  t.ok(body.usage.total_tokens > 0);
  t.ok(response.headers['x-request-id'], 'x-request-id echoed');
});

t.test('stream chat with the demo key', async (t) => {
  const { status, headers, text } = await postStream(`${gateway.url}/v1/chat/completions`, DEMO_KEY, {
    model: 'mock-gpt',
    stream: true,
    messages: [{ role: 'user', content: 'hello gateway' }],
  });
  t.equal(status, 200);
  t.match(String(headers['content-type']), /^text\/event-stream/);
  const events = dataEvents(text);
  t.equal(events.at(-1), '[DONE]');
  const content = events
    .slice(0, -1)
    .map((e) => (JSON.parse(e) as { choices: { delta: { content?: string } }[] }).choices[0]?.delta.content ?? '')
    .join('');
  t.equal(content, 'This is a mock reply to: hello gateway');
});

t.test('the OpenAI channel is out of service without OPENAI_API_KEY, and health endpoints answer', async (t) => {
  t.same(gateway.channels.all().map((c) => c.name), ['mock']);
  const health = await request(`${gateway.url}/healthz`);
  t.equal(health.statusCode, 200);
  await health.body.dump();
  const ready = await request(`${gateway.url}/readyz`);
  t.same(await ready.body.json(), { status: 'ready', stores: { redis: 'embedded', mongodb: 'embedded' } });
});

t.test('a client x-request-id is echoed, an unsafe one replaced', async (t) => {
  const mine = await request(`${gateway.url}/v1/models`, { headers: { authorization: `Bearer ${DEMO_KEY}`, 'x-request-id': 'trace-abc.123' } });
  await mine.body.dump();
  t.equal(mine.headers['x-request-id'], 'trace-abc.123');
  const unsafe = await request(`${gateway.url}/v1/models`, { headers: { authorization: `Bearer ${DEMO_KEY}`, 'x-request-id': 'bad id\twith stuff' } });
  await unsafe.body.dump();
  t.not(unsafe.headers['x-request-id'], 'bad id\twith stuff');
  t.match(String(unsafe.headers['x-request-id']), /^[0-9a-f-]{36}$/);
});
