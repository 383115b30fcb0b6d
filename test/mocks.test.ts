// Drives the mock OpenAI upstream with the official `openai` SDK, so any drift
// from the real wire format shows up as an SDK parse failure here first.
import t from 'tap';
import OpenAI, { APIError, AuthenticationError, RateLimitError } from 'openai';
import { startOpenAIUpstream, openAIErrors, maskApiKey, DEFAULT_REPLY } from './mocks/openai-upstream.js';

const KEY = 'sk-test-mock-upstream-key-0123456789abcdef';

const mock = await startOpenAIUpstream({ apiKey: KEY });
t.teardown(() => mock.close());
const client = new OpenAI({ apiKey: KEY, baseURL: mock.url, maxRetries: 0 });

const weatherTool = {
  type: 'function' as const,
  function: {
    name: 'get_weather',
    parameters: {
      type: 'object',
      properties: { city: { type: 'string' }, unit: { type: 'string', enum: ['celsius', 'fahrenheit'] } },
      required: ['city'],
    },
  },
};
const timeTool = {
  type: 'function' as const,
  function: { name: 'get_time', parameters: { type: 'object', properties: { zone: { type: 'string' }, utc: { type: 'boolean' } } } },
};

t.test('chat completion (non-stream)', async (t) => {
  const res = await client.chat.completions.create({
    model: 'gpt-4o',
    messages: [{ role: 'system', content: 'be brief' }, { role: 'user', content: 'say hello please' }],
  });
  t.match(res.id, /^chatcmpl-[A-Za-z0-9]{29}$/);
  t.equal(res.object, 'chat.completion');
  t.equal(res.model, 'gpt-4o');
  t.equal(res.choices[0]?.message.content, DEFAULT_REPLY);
  t.equal(res.choices[0]?.message.refusal, null);
  t.equal(res.choices[0]?.finish_reason, 'stop');
  t.same(res.usage, {
    prompt_tokens: 5, completion_tokens: 5, total_tokens: 10,
    prompt_tokens_details: { cached_tokens: 0, audio_tokens: 0 },
    completion_tokens_details: { reasoning_tokens: 0, audio_tokens: 0, accepted_prediction_tokens: 0, rejected_prediction_tokens: 0 },
  });
  t.equal(res.service_tier, 'default');
  t.match(res.system_fingerprint, /^fp_[0-9a-f]{10}$/);
});

t.test('chat completion stream with include_usage', async (t) => {
  const stream = await client.chat.completions.create({
    model: 'gpt-4o-mini',
    messages: [{ role: 'user', content: 'stream it' }],
    stream: true,
    stream_options: { include_usage: true },
  });
  let text = '';
  let usage: OpenAI.CompletionUsage | null | undefined;
  let finish: string | null | undefined;
  let chunks = 0;
  for await (const chunk of stream) {
    chunks++;
    t.equal(chunk.object, 'chat.completion.chunk');
    text += chunk.choices[0]?.delta.content ?? '';
    finish = chunk.choices[0]?.finish_reason ?? finish;
    if (chunk.usage) usage = chunk.usage;
  }
  t.equal(text, DEFAULT_REPLY);
  t.equal(finish, 'stop');
  t.equal(chunks, 1 + 5 + 1 + 1, 'role + 5 content + finish + usage chunks');
  t.equal(usage?.prompt_tokens, 2);
  t.equal(usage?.completion_tokens, 5);
  t.equal(usage?.total_tokens, 7);
});

t.test('streamed parallel tool calls', async (t) => {
  const stream = await client.chat.completions.create({
    model: 'gpt-4o',
    messages: [{ role: 'user', content: 'please call tool for weather and time' }],
    tools: [weatherTool, timeTool],
    stream: true,
  });
  const calls = new Map<number, { id?: string; name?: string; args: string; fragments: number }>();
  let finish: string | null | undefined;
  for await (const chunk of stream) {
    const choice = chunk.choices[0];
    finish = choice?.finish_reason ?? finish;
    for (const tc of choice?.delta.tool_calls ?? []) {
      const acc = calls.get(tc.index) ?? { args: '', fragments: 0 };
      if (tc.id) acc.id = tc.id;
      if (tc.function?.name) acc.name = tc.function.name;
      if (tc.function?.arguments) { acc.args += tc.function.arguments; acc.fragments++; }
      calls.set(tc.index, acc);
    }
  }
  t.equal(finish, 'tool_calls');
  t.equal(calls.size, 2);
  const weather = calls.get(0);
  const time = calls.get(1);
  t.equal(weather?.name, 'get_weather');
  t.equal(time?.name, 'get_time');
  t.match(weather?.id, /^call_[A-Za-z0-9]{24}$/);
  t.ok((weather?.fragments ?? 0) > 1, 'arguments arrive in several fragments');
  t.same(JSON.parse(weather?.args ?? ''), { city: 'mock', unit: 'celsius' });
  t.same(JSON.parse(time?.args ?? ''), { zone: 'mock', utc: true });
});

t.test('non-stream tool calls', async (t) => {
  const res = await client.chat.completions.create({
    model: 'gpt-4o',
    messages: [{ role: 'user', content: 'Call tool now' }],
    tools: [weatherTool],
  });
  const msg = res.choices[0]?.message;
  t.equal(msg?.content, null);
  t.equal(res.choices[0]?.finish_reason, 'tool_calls');
  const call = msg?.tool_calls?.[0];
  t.equal(call?.type, 'function');
  if (call?.type === 'function') t.same(JSON.parse(call.function.arguments), { city: 'mock', unit: 'celsius' });
});

t.test('legacy completions', async (t) => {
  const res = await client.completions.create({ model: 'gpt-3.5-turbo-instruct', prompt: 'Say this is a test' });
  t.equal(res.object, 'text_completion');
  t.match(res.id, /^cmpl-/);
  t.equal(res.choices[0]?.text, DEFAULT_REPLY);
  t.same(res.usage, { prompt_tokens: 5, completion_tokens: 5, total_tokens: 10 });

  const stream = await client.completions.create({ model: 'gpt-3.5-turbo-instruct', prompt: ['a b', 'c'], stream: true, max_tokens: 3 });
  let text = '';
  let finish: string | undefined;
  for await (const chunk of stream) {
    text += chunk.choices[0]?.text ?? '';
    finish = chunk.choices[0]?.finish_reason ?? finish;
  }
  t.equal(text, 'Hello from the');
  t.equal(finish, 'length');
});

t.test('embeddings: float and base64 agree', async (t) => {
  const input = ['the quick brown fox', 'jumps over the lazy dog'];
  const floats = await client.embeddings.create({ model: 'text-embedding-3-small', input, encoding_format: 'float' });
  t.equal(floats.object, 'list');
  t.equal(floats.data.length, 2);
  t.same(floats.usage, { prompt_tokens: 9, total_tokens: 9 });
  for (const d of floats.data) {
    t.equal(d.embedding.length, 8);
    t.ok(Math.abs(Math.hypot(...d.embedding) - 1) < 1e-6, 'L2-normalised');
  }
  // No encoding_format: the SDK asks for base64 and decodes the float32 bytes itself.
  const decoded = await client.embeddings.create({ model: 'text-embedding-3-small', input });
  t.same(decoded.data.map((d) => d.embedding), floats.data.map((d) => d.embedding));
  t.match(mock.requests.at(-1)?.body, { encoding_format: 'base64' }, 'SDK asked for base64 on the wire');

  const dims = await client.embeddings.create({ model: 'text-embedding-3-small', input: [[1, 2, 3], [4]], dimensions: 16, encoding_format: 'float' });
  t.same(dims.data.map((d) => d.embedding.length), [16, 16]);
  t.equal(dims.usage.prompt_tokens, 4);
});

t.test('models list and retrieve', async (t) => {
  const ids: string[] = [];
  for await (const m of client.models.list()) ids.push(m.id);
  for (const id of ['gpt-4o', 'gpt-4o-mini', 'text-embedding-3-small', 'gpt-3.5-turbo-instruct', 'mock-drop', 'mock-malformed', 'mock-slow']) {
    t.ok(ids.includes(id), `lists ${id}`);
  }
  const m = await client.models.retrieve('gpt-4o');
  t.same(m, { id: 'gpt-4o', object: 'model', created: 1715367049, owned_by: 'system' });
  const err = await client.models.retrieve('gpt-nope').catch((e: unknown) => e);
  t.ok(err instanceof APIError);
  if (err instanceof APIError) {
    t.equal(err.status, 404);
    t.equal(err.code, 'model_not_found');
  }
});

t.test('failNext: 500 then 429 with retry-after, then healthy again', async (t) => {
  mock.failNext({ status: 500 });
  mock.failNext({ status: 429, headers: { 'retry-after': '2' } }, 2);
  const ask = (): Promise<unknown> =>
    client.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }] }).catch((e: unknown) => e);

  const e500 = await ask();
  t.ok(e500 instanceof APIError);
  if (e500 instanceof APIError) {
    t.equal(e500.status, 500);
    t.equal(e500.type, 'server_error');
    t.match(e500.message, /The server had an error processing your request/);
  }
  for (let i = 0; i < 2; i++) {
    const e429 = await ask();
    t.ok(e429 instanceof RateLimitError);
    if (e429 instanceof APIError) {
      t.equal(e429.status, 429);
      t.equal(e429.code, 'rate_limit_exceeded');
      t.equal(e429.headers?.get('retry-after'), '2');
    }
  }
  const ok = await ask();
  t.notOk(ok instanceof Error, 'failures are consumed');

  mock.failNext({ status: 502, body: '<html>bad gateway</html>', headers: { 'content-type': 'text/html' } });
  const raw = await fetch(`${mock.url}/models`, { headers: { authorization: `Bearer ${KEY}` } });
  t.equal(raw.status, 502);
  t.equal(await raw.text(), '<html>bad gateway</html>');
});

t.test('wrong key: 401 AuthenticationError with masked key', async (t) => {
  const wrong = 'sk-wrong-key-abcdefghijklmnopqrstuvwxyz1234';
  const bad = new OpenAI({ apiKey: wrong, baseURL: mock.url, maxRetries: 0 });
  const err = await bad.models.list().catch((e: unknown) => e);
  t.ok(err instanceof AuthenticationError);
  if (err instanceof APIError) {
    t.equal(err.status, 401);
    t.equal(err.code, 'invalid_api_key');
    t.match(err.message, `Incorrect API key provided: ${maskApiKey(wrong)}.`);
    t.notMatch(err.message, wrong);
  }
  t.equal(maskApiKey(wrong), `sk-wrong${'*'.repeat(wrong.length - 12)}1234`);
  t.same(openAIErrors.invalidApiKey('x').error.code, 'invalid_api_key');
});

t.test('requests log records method, path, auth header and body', async (t) => {
  const before = mock.requests.length;
  await client.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'logged' }] });
  const rec = mock.requests[before];
  t.equal(rec?.method, 'POST');
  t.equal(rec?.path, '/v1/chat/completions');
  t.equal(rec?.headers['authorization'], `Bearer ${KEY}`);
  t.match(rec?.body, { model: 'gpt-4o', messages: [{ role: 'user', content: 'logged' }] });
});

t.test('raw wire details', async (t) => {
  const auth = { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' };
  const post = (path: string, body: string): Promise<Response> => fetch(`${mock.url}${path}`, { method: 'POST', headers: auth, body });

  const res = await post('/chat/completions', JSON.stringify({ model: 'gpt-4o', messages: [{ role: 'user', content: 'x' }], stream: true }));
  t.match(res.headers.get('content-type'), /^text\/event-stream/);
  const body = await res.text();
  const frames = body.split('\n\n').filter(Boolean);
  t.equal(frames.at(-1), 'data: [DONE]');
  const first = JSON.parse(frames[0]?.slice('data: '.length) ?? '') as Record<string, unknown>;
  t.same(Object.keys(first), ['id', 'object', 'created', 'model', 'service_tier', 'system_fingerprint', 'choices', 'obfuscation']);
  t.same((first['choices'] as unknown[])[0], { index: 0, delta: { role: 'assistant', content: '', refusal: null }, logprobs: null, finish_reason: null });

  const bad = await post('/chat/completions', '{oops');
  t.equal(bad.status, 400);
  t.match(await bad.text(), /^\{\n {4}"error": \{\n {8}"message": "We could not parse the JSON body/);

  const unknown = await fetch(`${mock.url}/nope`, { headers: auth });
  t.equal(unknown.status, 404);
  t.same(await unknown.json(), openAIErrors.invalidUrl('GET', '/v1/nope'));
});

t.test('scenario models', async (t) => {
  const auth = { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' };
  const streamBody = (model: string): string => JSON.stringify({ model, messages: [{ role: 'user', content: 'x' }], stream: true });

  // mock-drop: the body ends in a network error after the third frame.
  const drop = await fetch(`${mock.url}/chat/completions`, { method: 'POST', headers: auth, body: streamBody('mock-drop') });
  const reader = drop.body?.getReader();
  let received = '';
  const dropErr = await (async () => {
    for (;;) {
      const r = await reader?.read();
      if (!r || r.done) return undefined;
      received += Buffer.from(r.value).toString();
    }
  })().catch((e: unknown) => e);
  t.ok(dropErr instanceof Error, 'stream is cut off');
  t.equal(received.split('\n\n').filter(Boolean).length, 3);
  t.notMatch(received, /\[DONE\]/);

  const bad = await fetch(`${mock.url}/chat/completions`, { method: 'POST', headers: auth, body: streamBody('mock-malformed') });
  const text = await bad.text();
  t.ok(text.endsWith('data: {not json\n\n'));
  t.equal(text.split('\n\n').filter(Boolean).length, 3);

  // mock-slow: nothing (not even headers) within a short window.
  const slow = await fetch(`${mock.url}/chat/completions`, {
    method: 'POST', headers: auth, body: streamBody('mock-slow'), signal: AbortSignal.timeout(300),
  }).catch((e: unknown) => e);
  t.ok(slow instanceof Error && slow.name === 'TimeoutError', 'no response before the 5s delay');
});

t.test('delays and close() with an in-flight stream', async (t) => {
  const slow = await startOpenAIUpstream({ firstChunkDelayMs: 80, chunkDelayMs: 20, reply: 'a b c', record: false });
  const c = new OpenAI({ apiKey: 'anything', baseURL: slow.url, maxRetries: 0 });
  const start = Date.now();
  const stream = await c.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'x' }], stream: true });
  const stamps: number[] = [];
  for await (const chunk of stream) if (chunk.choices[0]?.delta.content) stamps.push(Date.now() - start);
  t.equal(stamps.length, 3);
  t.ok((stamps[0] ?? 0) >= 90, 'first content after first-chunk delay + one chunk delay');
  t.ok((stamps[2] ?? 0) - (stamps[0] ?? 0) >= 25, 'chunks are spaced');
  t.equal(slow.requests.length, 0, 'record: false keeps no log');

  const hang = fetch(`${slow.url}/chat/completions`, {
    method: 'POST', headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'mock-slow', messages: [], stream: true }),
  }).catch((e: unknown) => e);
  await new Promise((r) => setTimeout(r, 50));
  const closedAt = Date.now();
  await slow.close();
  t.ok((await hang) instanceof Error, 'in-flight request is cut');
  t.ok(Date.now() - closedAt < 1000, 'close() does not wait for the 5s scenario');
});
