// Per-channel timeouts: first byte, idle gap between stream events, total.
import t from 'tap';
import { request } from 'undici';
import { startOpenAIUpstream } from './mocks/openai-upstream.js';
import { openaiConfig, startGateway, TENANT_KEY } from './helpers/gateway.js';
import { dataEvents, postStream } from './helpers/sse-client.js';

const upstream = await startOpenAIUpstream({ reply: 'one two three', chunkDelayMs: 400 });
t.teardown(() => upstream.close());

async function gatewayWith(timeouts: string) {
  const gw = await startGateway(
    openaiConfig([{ name: 't', baseUrl: upstream.url, models: ['gpt-4o', 'mock-slow'], extra: `    timeouts: ${timeouts}\n` }], {
      pipeline: "  - use: '@sluice/auth'\n  - use: '@sluice/router'",
    }),
  );
  t.teardown(() => gw.stop());
  return gw;
}

t.test('no response headers within firstByte → 504 upstream_timeout', async (t) => {
  const gw = await gatewayWith('{ firstByte: 150ms }');
  const started = Date.now();
  const response = await request(`${gw.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${TENANT_KEY}` },
    body: JSON.stringify({ model: 'mock-slow', messages: [{ role: 'user', content: 'x' }] }),
  });
  const body = (await response.body.json()) as { error: { code: string } };
  t.equal(response.statusCode, 504);
  t.equal(body.error.code, 'upstream_timeout');
  t.ok(Date.now() - started < 2000, 'answered long before the upstream would have');
});

t.test('a stream silent for longer than idle → error event', async (t) => {
  const gw = await gatewayWith('{ idle: 150ms }');
  const { text } = await postStream(`${gw.url}/v1/chat/completions`, TENANT_KEY, { model: 'gpt-4o', stream: true, messages: [{ role: 'user', content: 'x' }] });
  const last = JSON.parse(dataEvents(text).at(-1) ?? '{}') as { error?: { code: string; message: string } };
  t.equal(last.error?.code, 'upstream_timeout', last.error?.message ?? 'no error event');
});

t.test('a stream longer than total → error event', async (t) => {
  const gw = await gatewayWith('{ total: 600ms }');
  const started = Date.now();
  const { text } = await postStream(`${gw.url}/v1/chat/completions`, TENANT_KEY, { model: 'gpt-4o', stream: true, messages: [{ role: 'user', content: 'x' }] });
  const last = JSON.parse(dataEvents(text).at(-1) ?? '{}') as { error?: { code: string; message: string } };
  t.equal(last.error?.code, 'upstream_timeout', last.error?.message ?? 'no error event');
  t.ok(Date.now() - started < 1200, 'cut at the total timeout');
});
