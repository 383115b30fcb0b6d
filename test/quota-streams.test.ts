// Streams are metered to the token: a client that hangs up pays for what was produced, and a stream without
// upstream usage is counted with the tokenizer, never billed 0.
import { randomUUID } from 'node:crypto';
import t from 'tap';
import { countTokens } from 'gpt-tokenizer/encoding/o200k_base';
import { startOpenAIUpstream } from './mocks/openai-upstream.js';
import { startGateway, TENANT_KEY } from './helpers/gateway.js';
import { admin, chat, quotaConfig, until, type RecordView } from './helpers/quota-gateway.js';
import { startUsagelessUpstream } from './helpers/quota-upstream.js';

const quota = { prices: { '*': { input: 1_000_000, output: 1_000_000 } } };
const record = (url: string, id: string): Promise<RecordView> =>
  until(async () => (await admin<{ data: RecordView[] }>(url, `/admin/usage/records?requestId=${id}`)).data[0], `the ledger record of ${id}`);

t.test('a client that hangs up mid-stream is charged for what was produced, not more, not 0', async (t) => {
  const words = Array.from({ length: 200 }, (_, i) => `word${i}`);
  const upstream = await startOpenAIUpstream({ reply: words.join(' '), chunkDelayMs: 10 });
  const gw = await startGateway(quotaConfig({ upstream: upstream.url, redis: false, quota }));
  t.teardown(async () => {
    await gw.stop();
    await upstream.close();
  });
  const id = randomUUID();
  const controller = new AbortController();
  const res = await fetch(`${gw.url}/v1/chat/completions`, {
    method: 'POST',
    signal: controller.signal,
    headers: { authorization: `Bearer ${TENANT_KEY}`, 'content-type': 'application/json', 'x-request-id': id },
    body: JSON.stringify({ model: 'gpt-4o-mini', stream: true, max_tokens: 1000, messages: [{ role: 'user', content: 'Count.' }] }),
  });
  t.equal(res.status, 200);
  const reader = (res.body as ReadableStream<Uint8Array>).getReader();
  let received = '';
  while ((received.match(/"content":" ?word/g) ?? []).length < 5) {
    const { value, done } = await reader.read();
    if (done) throw new Error('the stream ended before the client hung up');
    received += new TextDecoder().decode(value);
  }
  controller.abort();
  const r = await record(gw.url, id);
  t.equal(r.status, 'aborted');
  t.equal(r.counted, 'tokenizer', 'the upstream never sent its usage: the gateway counted');
  t.ok(r.tokens.output >= 5 && r.tokens.output < 200, `charged ${r.tokens.output} output tokens of 200 planned`);
  t.equal(r.cost, r.tokens.input + r.tokens.output);
  t.ok(r.cost < r.estimate, 'less than the reservation');
});

t.test('a stream that ends without upstream usage is charged by tokenizer count', async (t) => {
  const words = ['The', ' quick', ' brown', ' fox', ' jumps', ' over', ' the', ' lazy', ' dog', '.'];
  const upstream = await startUsagelessUpstream(words);
  const gw = await startGateway(quotaConfig({ upstream: upstream.url, redis: false, quota }));
  t.teardown(async () => {
    await gw.stop();
    await upstream.close();
  });
  const id = randomUUID();
  const res = await chat(gw.url, TENANT_KEY, { stream: true }, { 'x-request-id': id });
  t.match(await res.text(), /\[DONE\]/);
  const r = await record(gw.url, id);
  t.equal(r.status, 'ok');
  t.equal(r.counted, 'tokenizer');
  t.equal(r.tokens.output, countTokens(words.join('')), 'output counted with the o200k tokenizer');
  t.ok(r.tokens.input > 0, 'input counted too');
  t.equal(r.cost, r.tokens.input + r.tokens.output, 'never billed 0');
});

t.test('with upstream usage, a finished stream is billed from it', async (t) => {
  const upstream = await startOpenAIUpstream();
  const gw = await startGateway(quotaConfig({ upstream: upstream.url, redis: false, quota }));
  t.teardown(async () => {
    await gw.stop();
    await upstream.close();
  });
  const id = randomUUID();
  await (await chat(gw.url, TENANT_KEY, { stream: true }, { 'x-request-id': id })).text();
  const r = await record(gw.url, id);
  t.match(r, { status: 'ok', counted: 'upstream', tokens: { input: 2, output: 5 }, cost: 7 });
});
