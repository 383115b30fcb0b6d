// The official @google/genai SDK, unchanged, against the gateway: a Gemini upstream and an OpenAI upstream, both
// wire-exact mocks on loopback. Text, streaming, tools, system prompts, thinking, usage.
import t from 'tap';
import { GoogleGenAI, type Content, type FunctionDeclaration } from '@google/genai';
import { DEFAULT_REPLY, SIGNATURE, THOUGHT, startGeminiUpstream } from './mocks/gemini-upstream.js';
import { DEFAULT_REPLY as OPENAI_REPLY, startOpenAIUpstream } from './mocks/openai-upstream.js';
import { startGateway, TENANT_KEY, UPSTREAM_KEY } from './helpers/gateway.js';

type Wire = Record<string, unknown>;

const gem = await startGeminiUpstream({ apiKey: UPSTREAM_KEY });
const oai = await startOpenAIUpstream({ apiKey: UPSTREAM_KEY });
const gw = await startGateway(`version: 1
server: { host: 127.0.0.1 }
logging: { level: info }
pipeline:
  - use: '@sluice/auth'
  - use: '@sluice/retry'
    with: { maxAttempts: 2, backoff: 1ms, maxBackoff: 5ms }
  - use: '@sluice/router'
adapters: ['@sluice/adapter-openai', '@sluice/adapter-gemini']
channels:
  - { name: gemini-main, adapter: gemini, baseUrl: '${gem.url}', keys: ['${UPSTREAM_KEY}'],
      models: [gemini-2.5-flash, mock-thinking, mock-cached, mock-blocked, text-embedding-004] }
  - { name: openai-main, adapter: openai, baseUrl: '${oai.url}', keys: ['${UPSTREAM_KEY}'], models: [gpt-4o] }
tenants:
  - id: acme
    keys: [{ key: ${TENANT_KEY}, id: acme-test }]
`);
t.teardown(async () => {
  await gw.stop();
  await gem.close();
  await oai.close();
});

const ai = new GoogleGenAI({ apiKey: TENANT_KEY, httpOptions: { baseUrl: gw.url } });
const weather: FunctionDeclaration = { name: 'get_weather', description: 'Weather by city', parametersJsonSchema: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } };
const time: FunctionDeclaration = { name: 'get_time', parametersJsonSchema: { type: 'object', properties: { tz: { type: 'string' } } } };
const lastBody = (upstream: { requests: { body: unknown }[] }): Wire => upstream.requests.at(-1)?.body as Wire;

t.test('Gemini upstream: text with a system prompt, usage, the channel key in a header', async (t) => {
  const response = await ai.models.generateContent({ model: 'gemini-2.5-flash', contents: 'Say hello', config: { systemInstruction: 'Be brief.', temperature: 0.3 } });
  t.equal(response.text, DEFAULT_REPLY);
  t.equal(response.candidates?.[0]?.finishReason, 'STOP');
  t.match(response.usageMetadata, { promptTokenCount: 4, candidatesTokenCount: 5, totalTokenCount: 9 });
  const sent = gem.requests.at(-1)!;
  t.equal(sent.path, '/v1beta/models/gemini-2.5-flash:generateContent');
  t.equal(sent.headers['x-goog-api-key'], UPSTREAM_KEY, 'the channel key, not the tenant key');
  t.strictSame(sent.query, {}, 'no key in the URL');
  t.strictSame((sent.body as Wire)['systemInstruction'], { parts: [{ text: 'Be brief.' }] });
  t.strictSame((sent.body as Wire)['generationConfig'], { temperature: 0.3 });
});

t.test('Gemini upstream: streaming, usage on the last chunk', async (t) => {
  const stream = await ai.models.generateContentStream({ model: 'gemini-2.5-flash', contents: 'Say hello' });
  const chunks = [];
  for await (const chunk of stream) chunks.push(chunk);
  t.ok(chunks.length >= 5, `${chunks.length} chunks`);
  t.equal(chunks.map((c) => c.text ?? '').join(''), DEFAULT_REPLY);
  t.equal(chunks.at(-1)?.candidates?.[0]?.finishReason, 'STOP');
  t.match(chunks.at(-1)?.usageMetadata, { promptTokenCount: 2, candidatesTokenCount: 5, totalTokenCount: 7 });
  t.strictSame(gem.requests.at(-1)?.query, { alt: 'sse' });
});

t.test('Gemini upstream: parallel function calls, then their results with the signature sent back', async (t) => {
  const config = { tools: [{ functionDeclarations: [weather, time] }] };
  const user: Content = { role: 'user', parts: [{ text: 'Weather and time in Paris? Please call tool.' }] };
  const first = await ai.models.generateContent({ model: 'gemini-2.5-flash', contents: [user], config });
  t.strictSame(first.functionCalls?.map((c) => [c.name, c.args]), [['get_weather', { city: 'Paris' }], ['get_time', { tz: 'Paris' }]]);
  t.equal(first.functionCalls?.[0]?.id, undefined, 'Gemini sent no ids, so none are invented for the client');
  const modelTurn = first.candidates![0]!.content!;
  t.equal(modelTurn.parts?.[0]?.thoughtSignature, SIGNATURE);
  const results: Content = {
    role: 'user',
    parts: [
      { functionResponse: { name: 'get_time', response: { time: '12:00' } } },
      { functionResponse: { name: 'get_weather', response: { temp: 21 } } },
    ],
  };
  const second = await ai.models.generateContent({ model: 'gemini-2.5-flash', contents: [user, modelTurn, results], config });
  t.equal(second.text, DEFAULT_REPLY);
  const contents = lastBody(gem)['contents'] as Content[];
  t.strictSame(contents[1], { role: 'model', parts: [{ functionCall: { name: 'get_weather', args: { city: 'Paris' } }, thoughtSignature: SIGNATURE }, { functionCall: { name: 'get_time', args: { tz: 'Paris' } } }] });
  t.strictSame(contents[2], results);
});

t.test('Gemini upstream: streamed function calls', async (t) => {
  const stream = await ai.models.generateContentStream({ model: 'gemini-2.5-flash', contents: 'please call tool', config: { tools: [{ functionDeclarations: [weather] }] } });
  const calls = [];
  for await (const chunk of stream) calls.push(...(chunk.functionCalls ?? []));
  t.strictSame(calls.map((c) => [c.name, c.args]), [['get_weather', { city: 'Paris' }]]);
});

t.test('Gemini upstream: thoughts and their token counts', async (t) => {
  const response = await ai.models.generateContent({ model: 'mock-thinking', contents: 'hi', config: { thinkingConfig: { includeThoughts: true } } });
  const parts = response.candidates?.[0]?.content?.parts ?? [];
  t.strictSame(parts[0], { text: THOUGHT, thought: true });
  t.equal(response.text, DEFAULT_REPLY, 'thoughts are not answer text');
  t.equal(parts.at(-1)?.thoughtSignature, SIGNATURE);
  t.match(response.usageMetadata, { thoughtsTokenCount: 12, candidatesTokenCount: 5 });
  t.match(lastBody(gem)['generationConfig'], { thinkingConfig: { includeThoughts: true } }, 'Gemini-only config relayed');

  const stream = await ai.models.generateContentStream({ model: 'mock-thinking', contents: 'hi', config: { thinkingConfig: { includeThoughts: true } } });
  const streamed = [];
  for await (const chunk of stream) streamed.push(...(chunk.candidates?.[0]?.content?.parts ?? []));
  t.strictSame(streamed[0], { text: THOUGHT, thought: true });
  t.ok(streamed.some((p) => p.thoughtSignature === SIGNATURE), 'the signature reaches the client');
});

t.test('Gemini upstream: cached tokens, a blocked prompt, countTokens, embeddings, Gemini-only fields', async (t) => {
  const cached = await ai.models.generateContent({ model: 'mock-cached', contents: 'one two three four' });
  t.match(cached.usageMetadata, { promptTokenCount: 4, cachedContentTokenCount: 2 });

  const blocked = await ai.models.generateContent({ model: 'mock-blocked', contents: 'x' }).then(() => undefined, (e: unknown) => e);
  t.match(blocked, { name: 'ApiError', status: 400 });
  t.match(JSON.parse((blocked as Error).message), { error: { code: 400, status: 'INVALID_ARGUMENT', message: /blocked by Gemini \(SAFETY\)/ } });

  const counted = await ai.models.countTokens({ model: 'gemini-2.5-flash', contents: 'how many tokens are here' });
  t.ok((counted.totalTokens ?? 0) > 0, `countTokens: ${counted.totalTokens}`);

  const embedded = await ai.models.embedContent({ model: 'text-embedding-004', contents: ['hello', 'world'], config: { outputDimensionality: 4 } });
  t.equal(embedded.embeddings?.length, 2);
  t.equal(embedded.embeddings?.[0]?.values?.length, 4);
  t.equal(gem.requests.at(-1)?.path, '/v1beta/models/text-embedding-004:batchEmbedContents');

  const safetySettings = [{ category: 'HARM_CATEGORY_HATE_SPEECH', threshold: 'BLOCK_ONLY_HIGH' }] as never;
  await ai.models.generateContent({ model: 'gemini-2.5-flash', contents: 'x', config: { safetySettings } });
  t.strictSame(lastBody(gem)['safetySettings'], safetySettings);
});

t.test('OpenAI upstream: text with a system prompt and usage', async (t) => {
  const response = await ai.models.generateContent({ model: 'gpt-4o', contents: 'Say hello', config: { systemInstruction: 'Be brief.', maxOutputTokens: 50 } });
  t.equal(response.text, OPENAI_REPLY);
  t.equal(response.candidates?.[0]?.finishReason, 'STOP');
  t.equal(response.modelVersion, 'gpt-4o');
  const usage = response.usageMetadata;
  t.ok(usage?.promptTokenCount && usage.candidatesTokenCount, 'usage reported');
  t.equal(usage?.totalTokenCount, (usage?.promptTokenCount ?? 0) + (usage?.candidatesTokenCount ?? 0) + (usage?.thoughtsTokenCount ?? 0));
  t.match(lastBody(oai), { model: 'gpt-4o', max_tokens: 50, messages: [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: 'Say hello' }] });
});

t.test('OpenAI upstream: streaming text and usage', async (t) => {
  const stream = await ai.models.generateContentStream({ model: 'gpt-4o', contents: 'Say hello' });
  const chunks = [];
  for await (const chunk of stream) chunks.push(chunk);
  t.ok(chunks.length >= 3, `${chunks.length} chunks`);
  t.equal(chunks.map((c) => c.text ?? '').join(''), OPENAI_REPLY);
  t.equal(chunks.at(-1)?.candidates?.[0]?.finishReason, 'STOP');
  t.ok((chunks.at(-1)?.usageMetadata?.candidatesTokenCount ?? 0) > 0, 'usage on the last chunk');
  t.match(lastBody(oai), { stream: true, stream_options: { include_usage: true } });
});

t.test('OpenAI upstream: parallel tool calls (streamed and not) and results mapped to their call ids', async (t) => {
  const config = { tools: [{ functionDeclarations: [weather, time] }] };
  const user: Content = { role: 'user', parts: [{ text: 'please call tool' }] };
  const stream = await ai.models.generateContentStream({ model: 'gpt-4o', contents: [user], config });
  const streamed = [];
  for await (const chunk of stream) streamed.push(...(chunk.functionCalls ?? []));
  t.strictSame(streamed.map((c) => c.name), ['get_weather', 'get_time'], 'argument fragments are assembled into whole calls');
  t.ok(streamed.every((c) => typeof c.args === 'object' && c.id?.startsWith('call_')));

  const first = await ai.models.generateContent({ model: 'gpt-4o', contents: [user], config });
  const calls = first.functionCalls ?? [];
  t.equal(calls.length, 2);
  const modelTurn = first.candidates![0]!.content!;
  const results: Content = { role: 'user', parts: calls.map((c) => ({ functionResponse: { name: c.name!, response: { ok: c.name } } })) };
  await ai.models.generateContent({ model: 'gpt-4o', contents: [user, modelTurn, results], config });
  const messages = lastBody(oai)['messages'] as Wire[];
  const assistant = messages[1] as { tool_calls: { id: string; function: { name: string } }[] };
  t.strictSame(assistant.tool_calls.map((c) => c.id), calls.map((c) => c.id));
  t.strictSame(messages.slice(2).map((m) => [m['role'], m['tool_call_id'], m['content']]), calls.map((c) => ['tool', c.id, JSON.stringify({ ok: c.name })]));
});

t.test('chat sessions keep streamed turns in their history', async (t) => {
  const chat = ai.chats.create({ model: 'gpt-4o' });
  for await (const chunk of await chat.sendMessageStream({ message: 'Say hello' })) void chunk;
  const history = chat.getHistory();
  t.ok(history.length >= 2 && history.slice(1).every((c) => c.role === 'model'), 'every event had parts, so @google/genai recorded the turn');
  await chat.sendMessage({ message: 'again' });
  const messages = lastBody(oai)['messages'] as Wire[];
  t.strictSame(messages.map((m) => m['role']), ['user', 'assistant', 'user'], 'the streamed turn, one content per chunk, is one assistant message');
  t.equal(messages[1]?.['content'], OPENAI_REPLY);
});
