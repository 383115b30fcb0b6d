// Streams are relayed as they arrive: no buffering, keep-alive while the upstream is silent, clean error events.
import t from 'tap';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { once } from 'node:events';
import { startOpenAIUpstream } from './mocks/openai-upstream.js';
import { openaiConfig, startGateway, TENANT_KEY } from './helpers/gateway.js';
import { dataEvents, postStream } from './helpers/sse-client.js';

t.test('a chunk every 200 ms reaches the client as it is produced', async (t) => {
  const upstream = await startOpenAIUpstream({ reply: 'one two three four five', chunkDelayMs: 200 });
  const gw = await startGateway(openaiConfig([{ name: 'slow', baseUrl: upstream.url, models: ['gpt-4o'] }]));
  t.teardown(async () => {
    await gw.stop();
    await upstream.close();
  });
  // Scheduling noise on a shared machine can only add delay, never remove buffering: keep the best of three runs.
  let best: Awaited<ReturnType<typeof postStream>> | undefined;
  for (let run = 0; run < 3 && (!best || best.pieces[0]!.at >= 250); run++) {
    const attempt = await postStream(`${gw.url}/v1/chat/completions`, TENANT_KEY, { model: 'gpt-4o', stream: true, messages: [{ role: 'user', content: 'count' }] });
    t.equal(attempt.status, 200);
    if (!best || attempt.pieces[0]!.at < best.pieces[0]!.at) best = attempt;
  }
  const pieces = best!.pieces;
  const contentAt = pieces.filter((p) => p.text.includes('"content":"')).map((p) => p.at);
  t.ok(contentAt.length >= 5, `content arrived in separate reads (${contentAt.length})`);
  // The mock writes the role chunk at once and then one word every 200 ms.
  const first = pieces[0]!.at;
  t.ok(first < 250, `first chunk after ${first.toFixed(0)} ms (< 250)`);
  const last = pieces.at(-1)!.at;
  t.ok(last > 900, `stream spread over ${last.toFixed(0)} ms, not delivered at the end in one piece`);
  const gaps = contentAt.slice(1).map((at, i) => at - contentAt[i]!);
  t.ok(gaps.every((g) => g > 120), `gaps between content chunks: ${gaps.map((g) => g.toFixed(0)).join(', ')} ms`);
});

t.test('keep-alive comments flow while the upstream is silent', async (t) => {
  const upstream = await startOpenAIUpstream({ reply: 'late answer', firstChunkDelayMs: 700 });
  const gw = await startGateway(openaiConfig([{ name: 'silent', baseUrl: upstream.url, models: ['gpt-4o'] }], { server: 'keepAlive: 150ms' }));
  t.teardown(async () => {
    await gw.stop();
    await upstream.close();
  });
  const { text } = await postStream(`${gw.url}/v1/chat/completions`, TENANT_KEY, { model: 'gpt-4o', stream: true, messages: [{ role: 'user', content: 'x' }] });
  const comments = text.split('\n\n').filter((b) => b.startsWith(': keep-alive')).length;
  t.ok(comments >= 2, `${comments} keep-alive comments during 700 ms of silence`);
  t.ok(text.trimEnd().endsWith('data: [DONE]'), 'stream still completes');
});

t.test('an upstream that drops mid-stream becomes an OpenAI error event, then the stream ends', async (t) => {
  const upstream = await startOpenAIUpstream();
  const gw = await startGateway(openaiConfig([{ name: 'flaky', baseUrl: upstream.url, models: ['mock-drop', 'mock-malformed'] }]));
  t.teardown(async () => {
    await gw.stop();
    await upstream.close();
  });
  for (const model of ['mock-drop', 'mock-malformed']) {
    const { status, text } = await postStream(`${gw.url}/v1/chat/completions`, TENANT_KEY, { model, stream: true, messages: [{ role: 'user', content: 'x' }] });
    t.equal(status, 200, `${model}: headers were already sent`);
    const events = dataEvents(text);
    t.ok(events.length >= 2, `${model}: content before the failure was relayed`);
    const last = JSON.parse(events.at(-1)!) as { error?: { type: string; code: string; message: string } };
    t.ok(last.error, `${model}: last event is an error object`);
    t.match(last.error?.code, /^upstream_/, `${model}: ${last.error?.code}: ${last.error?.message}`);
    t.notOk(text.includes('[DONE]'), `${model}: no [DONE] after an error`);
  }
});

t.test('a client that hangs up aborts the upstream request', async (t) => {
  let upstreamClosed!: () => void;
  const closed = new Promise<void>((resolve) => (upstreamClosed = resolve));
  // A hand-rolled upstream that streams forever until its client goes away.
  const server: Server = createServer((req, res) => {
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    const timer = setInterval(() => {
      res.write(`data: {"id":"c1","object":"chat.completion.chunk","created":1,"model":"gpt-4o","choices":[{"index":0,"delta":{"content":"x"},"finish_reason":null}]}\n\n`);
    }, 20);
    req.socket.once('close', () => {
      clearInterval(timer);
      upstreamClosed();
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
  const gw = await startGateway(openaiConfig([{ name: 'endless', baseUrl: base, models: ['gpt-4o'] }]));
  t.teardown(async () => {
    await gw.stop();
    server.closeAllConnections();
    server.close();
  });
  const controller = new AbortController();
  const reading = postStream(`${gw.url}/v1/chat/completions`, TENANT_KEY, { model: 'gpt-4o', stream: true, messages: [{ role: 'user', content: 'x' }] }, controller.signal);
  setTimeout(() => controller.abort(), 150);
  await t.rejects(reading, 'the client aborted its read');
  await closed;
  t.pass('the upstream connection was closed after the client left');
  // The gateway logged the call as a client disconnect (499).
  const line = gw.logs.map((l) => JSON.parse(l) as { msg: string; status?: number }).find((l) => l.msg === 'request');
  t.equal(line?.status, 499);
});
