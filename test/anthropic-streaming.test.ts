// Translated streams are relayed as they arrive (no buffering) in both directions, keep-alive pings flow on the
// Anthropic surface, and a failing OpenAI channel fails over to an Anthropic one, for clients of either format.
import t from 'tap';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { request } from 'undici';
import { startAnthropicUpstream, DEFAULT_REPLY } from './mocks/anthropic-upstream.js';
import { startOpenAIUpstream } from './mocks/openai-upstream.js';
import { startGateway, TENANT_KEY, UPSTREAM_KEY } from './helpers/gateway.js';
import { dataEvents, postStream, type TimedEvent } from './helpers/sse-client.js';
import { mixedConfig } from './helpers/anthropic-gateway.js';

/** POSTs to the Anthropic surface as its SDK would (x-api-key) and stamps each piece of the raw SSE body. */
async function postMessagesStream(url: string, body: unknown): Promise<{ status: number; pieces: TimedEvent[]; text: string }> {
  const started = performance.now();
  const response = await request(`${url}/v1/messages`, {
    method: 'POST',
    headers: { 'x-api-key': TENANT_KEY, 'anthropic-version': '2023-06-01', 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const pieces: TimedEvent[] = [];
  for await (const bytes of response.body) pieces.push({ at: performance.now() - started, text: Buffer.from(bytes).toString('utf8') });
  return { status: response.statusCode, pieces, text: pieces.map((p) => p.text).join('') };
}

/** First piece early, the whole spread over the upstream's pace, content pieces in separate reads. */
function unbuffered(t: Tap, pieces: TimedEvent[], isContent: (text: string) => boolean): void {
  const contentAt = pieces.filter((p) => isContent(p.text)).map((p) => p.at);
  t.ok(contentAt.length >= 5, `content arrived in separate reads (${contentAt.length})`);
  const first = pieces[0]!.at;
  t.ok(first < 250, `first piece after ${first.toFixed(0)} ms (< 250)`);
  t.ok(pieces.at(-1)!.at > 900, `stream spread over ${pieces.at(-1)!.at.toFixed(0)} ms, not delivered at the end in one piece`);
  const gaps = contentAt.slice(1).map((at, i) => at - contentAt[i]!);
  t.ok(gaps.every((g) => g > 120), `gaps between content pieces: ${gaps.map((g) => g.toFixed(0)).join(', ')} ms`);
}
type Tap = Pick<typeof t, 'ok'>;

t.test('Anthropic upstream → OpenAI client: each delta is relayed as the upstream sends it', async (t) => {
  const upstream = await startAnthropicUpstream({ reply: 'one two three four five', chunkDelayMs: 200 });
  const gw = await startGateway(mixedConfig([{ name: 'slow', adapter: 'anthropic', baseUrl: upstream.url, models: ['claude-sonnet-4-6'] }]));
  t.teardown(async () => {
    await gw.stop();
    await upstream.close();
  });
  const { status, pieces, text } = await postStream(`${gw.url}/v1/chat/completions`, TENANT_KEY, {
    model: 'claude-sonnet-4-6',
    stream: true,
    messages: [{ role: 'user', content: 'count' }],
  });
  t.equal(status, 200);
  unbuffered(t, pieces, (p) => p.includes('"content":"'));
  const content = dataEvents(text).filter((d) => d !== '[DONE]').map((d) => (JSON.parse(d) as { choices: { delta: { content?: string } }[] }).choices[0]?.delta.content ?? '');
  t.equal(content.join(''), 'one two three four five');
});

t.test('OpenAI upstream → Anthropic client: each delta is relayed as the upstream sends it', async (t) => {
  const upstream = await startOpenAIUpstream({ reply: 'one two three four five', chunkDelayMs: 200 });
  const gw = await startGateway(mixedConfig([{ name: 'slow', adapter: 'openai', baseUrl: upstream.url, models: ['gpt-4o'] }]));
  t.teardown(async () => {
    await gw.stop();
    await upstream.close();
  });
  const { status, pieces, text } = await postMessagesStream(gw.url, { model: 'gpt-4o', max_tokens: 64, stream: true, messages: [{ role: 'user', content: 'count' }] });
  t.equal(status, 200);
  unbuffered(t, pieces, (p) => p.includes('"text_delta"'));
  t.ok(text.startsWith('event: message_start\n'), 'Anthropic events');
  t.ok(text.trimEnd().endsWith('event: message_stop\ndata: {"type":"message_stop"}'));
});

t.test('the Anthropic surface keeps a silent stream open with ping events', async (t) => {
  const upstream = await startAnthropicUpstream({ reply: 'late answer', firstChunkDelayMs: 700 });
  const gw = await startGateway(mixedConfig([{ name: 'silent', adapter: 'anthropic', baseUrl: upstream.url, models: ['claude-sonnet-4-6'] }], { server: 'keepAlive: 150ms' }));
  t.teardown(async () => {
    await gw.stop();
    await upstream.close();
  });
  const { text } = await postMessagesStream(gw.url, { model: 'claude-sonnet-4-6', max_tokens: 64, stream: true, messages: [{ role: 'user', content: 'x' }] });
  const pings = text.split('\n\n').filter((b) => b === 'event: ping\ndata: {"type": "ping"}').length;
  t.ok(pings >= 2, `${pings} pings during 700 ms of silence`);
  t.ok(text.includes('"text":" answer"'), 'the answer still arrives');
  t.ok(text.trimEnd().endsWith('data: {"type":"message_stop"}'), 'and the stream completes');
});

t.test('cross-format failover: a failing OpenAI channel, then an Anthropic channel answers', async (t) => {
  const primary = await startOpenAIUpstream({ apiKey: UPSTREAM_KEY });
  const fallback = await startAnthropicUpstream({ apiKey: UPSTREAM_KEY });
  // A channel pair per case, so one case's failure (a circuit breaker counting it) cannot steer the next.
  const cases = ['chat', 'stream', 'messages'];
  const gw = await startGateway(
    mixedConfig(
      cases.flatMap((c) => [
        { name: `openai-primary-${c}`, adapter: 'openai' as const, baseUrl: primary.url, models: [`smart-${c}=gpt-4o`], priority: 1 },
        { name: `claude-fallback-${c}`, adapter: 'anthropic' as const, baseUrl: fallback.url, models: [`smart-${c}=claude-sonnet-4-6`], priority: 0 },
      ]),
    ),
  );
  t.teardown(async () => {
    await gw.stop();
    await primary.close();
    await fallback.close();
  });
  const openaiClient = new OpenAI({ apiKey: TENANT_KEY, baseURL: `${gw.url}/v1`, maxRetries: 0 });
  const anthropicClient = new Anthropic({ apiKey: TENANT_KEY, baseURL: gw.url, maxRetries: 0 });

  primary.failNext({ status: 500 });
  const completion = await openaiClient.chat.completions.create({ model: 'smart-chat', messages: [{ role: 'user', content: 'hi' }] });
  t.equal(completion.choices[0]?.message.content, DEFAULT_REPLY, 'answered by the Anthropic channel');
  t.equal(primary.requests.length, 1, 'the primary was tried first');
  t.equal(fallback.requests.length, 1);
  t.equal((fallback.requests[0]?.body as { model?: string }).model, 'claude-sonnet-4-6', "the fallback's upstream model name");

  primary.failNext({ status: 500 });
  const stream = await openaiClient.chat.completions.create({ model: 'smart-stream', stream: true, messages: [{ role: 'user', content: 'hi' }] });
  let streamed = '';
  for await (const chunk of stream) streamed += chunk.choices[0]?.delta.content ?? '';
  t.equal(streamed, DEFAULT_REPLY, 'a stream fails over too (nothing had reached the client)');

  primary.failNext({ status: 500 });
  const message = await anthropicClient.messages.create({ model: 'smart-messages', max_tokens: 64, messages: [{ role: 'user', content: 'hi' }] });
  t.strictSame(message.content, [{ type: 'text', text: DEFAULT_REPLY }], 'an Anthropic client gets the same failover');
  t.equal(primary.requests.length, 3);
  t.equal(fallback.requests.length, 3);
  const lines = gw.logs.map((l) => JSON.parse(l) as { msg: string; attempts?: number; channel?: string }).filter((l) => l.msg === 'request');
  t.strictSame(lines.map((l) => [l.attempts, l.channel]), cases.map((c) => [2, `claude-fallback-${c}`]));
});
