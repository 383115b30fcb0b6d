// The official openai SDK, unchanged, against the gateway in front of a wire-exact OpenAI upstream on loopback.
import t from 'tap';
import OpenAI from 'openai';
import { startOpenAIUpstream, DEFAULT_REPLY } from './mocks/openai-upstream.js';
import { openaiConfig, startGateway, TENANT_KEY, UPSTREAM_KEY } from './helpers/gateway.js';

const upstream = await startOpenAIUpstream({ apiKey: UPSTREAM_KEY });
const gw = await startGateway(
  openaiConfig([{ name: 'openai-main', baseUrl: upstream.url, models: ['gpt-4o', 'gpt-4o-mini', 'text-embedding-3-small', 'gpt-3.5-turbo-instruct'] }]),
);
t.teardown(async () => {
  await gw.stop();
  await upstream.close();
});
const client = new OpenAI({ apiKey: TENANT_KEY, baseURL: `${gw.url}/v1`, maxRetries: 0 });

t.test('chat, non-stream, with usage', async (t) => {
  const completion = await client.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'Say hello' }] });
  t.equal(completion.object, 'chat.completion');
  t.equal(completion.choices[0]?.message.content, DEFAULT_REPLY);
  t.equal(completion.choices[0]?.finish_reason, 'stop');
  t.ok(completion.usage && completion.usage.prompt_tokens > 0 && completion.usage.completion_tokens > 0, 'usage reported');
  t.equal(completion.usage?.total_tokens, (completion.usage?.prompt_tokens ?? 0) + (completion.usage?.completion_tokens ?? 0));
  // Same-format relay keeps fields the canonical types do not model.
  t.ok((completion as unknown as Record<string, unknown>)['system_fingerprint'], 'system_fingerprint relayed');
  const sent = upstream.requests.at(-1);
  t.equal(sent?.headers['authorization'], `Bearer ${UPSTREAM_KEY}`, 'the channel key, not the tenant key, goes upstream');
});

t.test('request fields the canonical types do not model reach an OpenAI upstream untouched', async (t) => {
  await client.chat.completions.create({
    model: 'gpt-4o',
    messages: [{ role: 'user', content: 'json please' }],
    seed: 42,
    response_format: { type: 'json_object' },
    max_completion_tokens: 64,
    logprobs: true,
    metadata: { team: 'search' },
  });
  const sent = upstream.requests.at(-1)?.body as Record<string, unknown>;
  t.equal(sent['seed'], 42);
  t.same(sent['response_format'], { type: 'json_object' });
  t.equal(sent['max_completion_tokens'], 64);
  t.notOk('max_tokens' in sent, 'not duplicated as max_tokens');
  t.equal(sent['logprobs'], true);
  t.same(sent['metadata'], { team: 'search' });
  t.equal(sent['model'], 'gpt-4o');
});

t.test('chat, stream, include_usage', async (t) => {
  const stream = await client.chat.completions.create({
    model: 'gpt-4o-mini',
    messages: [{ role: 'user', content: 'Say hello' }],
    stream: true,
    stream_options: { include_usage: true },
  });
  let text = '';
  let usage: OpenAI.CompletionUsage | null | undefined;
  let finish: string | null | undefined;
  let chunks = 0;
  for await (const chunk of stream) {
    chunks++;
    text += chunk.choices[0]?.delta.content ?? '';
    finish = chunk.choices[0]?.finish_reason ?? finish;
    if (chunk.usage) usage = chunk.usage;
  }
  t.equal(text, DEFAULT_REPLY);
  t.equal(finish, 'stop');
  t.ok(chunks > 3, 'several chunks');
  t.ok(usage && usage.completion_tokens > 0, 'usage chunk at the end');
});

t.test('chat, stream without include_usage: no usage chunk, but the upstream was still asked for usage', async (t) => {
  const stream = await client.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'Hi' }], stream: true });
  let sawUsage = false;
  for await (const chunk of stream) if (chunk.usage) sawUsage = true;
  t.notOk(sawUsage);
  const sent = upstream.requests.at(-1)?.body as { stream_options?: { include_usage?: boolean } };
  t.equal(sent.stream_options?.include_usage, true);
});

t.test('streamed parallel tool calls are reassembled by the SDK', async (t) => {
  const tools: OpenAI.ChatCompletionTool[] = [
    { type: 'function', function: { name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' } } } } },
    { type: 'function', function: { name: 'get_time', parameters: { type: 'object', properties: { tz: { type: 'string' } } } } },
  ];
  const stream = client.chat.completions.stream({ model: 'gpt-4o', messages: [{ role: 'user', content: 'please call tool' }], tools });
  const final = await stream.finalChatCompletion();
  const calls = final.choices[0]?.message.tool_calls ?? [];
  t.equal(calls.length, 2);
  t.same(calls.map((c) => (c.type === 'function' ? c.function.name : '')).sort(), ['get_time', 'get_weather']);
  for (const call of calls) if (call.type === 'function') t.doesNotThrow(() => JSON.parse(call.function.arguments), 'arguments are complete JSON');
  t.equal(final.choices[0]?.finish_reason, 'tool_calls');
});

t.test('embeddings: float, and the SDK default (base64)', async (t) => {
  const asFloat = await client.embeddings.create({ model: 'text-embedding-3-small', input: ['hello world', 'goodbye'], encoding_format: 'float' });
  t.equal(asFloat.data.length, 2);
  t.ok(asFloat.data[0]!.embedding.length > 0);
  const asDefault = await client.embeddings.create({ model: 'text-embedding-3-small', input: ['hello world', 'goodbye'] });
  t.equal(asDefault.data.length, 2);
  asDefault.data[0]!.embedding.forEach((v, i) => {
    if (Math.abs(v - asFloat.data[0]!.embedding[i]!) > 1e-6) t.fail(`component ${i} differs`);
  });
  t.ok(asDefault.usage.prompt_tokens > 0);
});

t.test('legacy completions', async (t) => {
  const completion = await client.completions.create({ model: 'gpt-3.5-turbo-instruct', prompt: 'Once upon a time' });
  t.equal(completion.object, 'text_completion');
  t.ok(completion.choices[0]?.text.length);
  t.ok(completion.usage?.completion_tokens);
});

t.test('models.list and models.retrieve', async (t) => {
  const ids: string[] = [];
  for await (const model of client.models.list()) ids.push(model.id);
  t.same(ids.sort(), ['gpt-3.5-turbo-instruct', 'gpt-4o', 'gpt-4o-mini', 'text-embedding-3-small']);
  const model = await client.models.retrieve('gpt-4o');
  t.equal(model.id, 'gpt-4o');
  t.equal(model.object, 'model');
  const missing = await client.models.retrieve('no-such-model').then(() => undefined, (e: unknown) => e);
  t.equal((missing as { status?: number }).status, 404);
});

t.test('errors come back as the SDK error classes', async (t) => {
  const failure = (p: Promise<unknown>): Promise<unknown> => p.then(() => undefined, (e: unknown) => e);
  const notFound = await failure(client.chat.completions.create({ model: 'nope', messages: [{ role: 'user', content: 'x' }] }));
  t.ok(notFound instanceof OpenAI.NotFoundError, 'unknown model → NotFoundError');
  t.equal((notFound as InstanceType<typeof OpenAI.APIError>).code, 'model_not_found');
  const stranger = new OpenAI({ apiKey: 'sk-not-a-real-key-000000', baseURL: `${gw.url}/v1`, maxRetries: 0 });
  const unauthorized = await failure(stranger.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'x' }] }));
  t.ok(unauthorized instanceof OpenAI.AuthenticationError, 'bad key → AuthenticationError');
  const badRequest = await failure(
    client.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'x' }], temperature: 'hot' as unknown as number }),
  );
  t.ok(badRequest instanceof OpenAI.BadRequestError, 'wrong type → BadRequestError');
  t.equal((badRequest as InstanceType<typeof OpenAI.APIError>).param, 'temperature');
});
