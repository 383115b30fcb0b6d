// Failures and timing on the Gemini paths: upstream Gemini errors reach @google/genai in Gemini's shape with the
// right status and are classified for retry; client mistakes get Gemini-shaped errors; translated streams flow
// as produced, in both directions.
import t from 'tap';
import { request } from 'undici';
import { ApiError, GoogleGenAI } from '@google/genai';
import { geminiErrors, startGeminiUpstream, type GeminiUpstream } from './mocks/gemini-upstream.js';
import { startOpenAIUpstream } from './mocks/openai-upstream.js';
import { startGateway, TENANT_KEY, UPSTREAM_KEY, type TestGateway } from './helpers/gateway.js';
import { dataEvents, postStream } from './helpers/sse-client.js';

type Wire = Record<string, unknown>;

function config(channels: string, retry: boolean): string {
  return `version: 1
server: { host: 127.0.0.1 }
logging: { level: silent }
pipeline:
  - use: '@sluice/auth'
${retry ? "  - use: '@sluice/retry'\n    with: { maxAttempts: 3, backoff: 1ms, maxBackoff: 5ms }\n" : ''}  - use: '@sluice/router'
adapters: ['@sluice/adapter-openai', '@sluice/adapter-gemini']
channels:
${channels}
tenants:
  - id: acme
    keys: [{ key: ${TENANT_KEY}, id: acme-test }]
`;
}
const geminiChannel = (name: string, upstream: GeminiUpstream, priority = 0): string =>
  `  - { name: ${name}, adapter: gemini, baseUrl: '${upstream.url}', keys: ['${UPSTREAM_KEY}'], models: [gemini-2.5-flash, mock-drop, mock-malformed], priority: ${priority} }`;

async function post(gw: TestGateway, path: string, body: unknown, key = TENANT_KEY): Promise<{ status: number; headers: Record<string, unknown>; body: Wire }> {
  const response = await request(`${gw.url}${path}`, { method: 'POST', headers: { 'x-goog-api-key': key, 'content-type': 'application/json' }, body: typeof body === 'string' ? body : JSON.stringify(body) });
  return { status: response.statusCode, headers: response.headers, body: (await response.body.json()) as Wire };
}
const hello = { contents: [{ role: 'user', parts: [{ text: 'hi' }] }] };

t.test('upstream Gemini errors reach @google/genai in Gemini shape, with the gateway status', async (t) => {
  const upstream = await startGeminiUpstream({ apiKey: UPSTREAM_KEY });
  t.teardown(() => upstream.close());
  // The router rests a channel after a rate limit or a refused key, so those cases get a gateway of their own.
  const fresh = async (): Promise<TestGateway> => {
    const gw = await startGateway(config(geminiChannel('gemini-main', upstream), false));
    t.teardown(() => gw.stop());
    return gw;
  };
  const shared = await fresh();
  const cases: [number, Wire | undefined, number, string, TestGateway][] = [
    [500, undefined, 502, 'UNAVAILABLE', shared],
    [503, undefined, 503, 'UNAVAILABLE', shared],
    [400, geminiErrors.contextLength(), 400, 'INVALID_ARGUMENT', shared],
    [429, geminiErrors.rateLimited('17s'), 429, 'RESOURCE_EXHAUSTED', await fresh()],
    [400, geminiErrors.invalidApiKey(), 502, 'UNAVAILABLE', await fresh()],
  ];
  for (const [status, body, clientStatus, name, gw] of cases) {
    const ai = new GoogleGenAI({ apiKey: TENANT_KEY, httpOptions: { baseUrl: gw.url } });
    upstream.failNext({ status, ...(body ? { body } : {}) });
    const error = await ai.models.generateContent({ model: 'gemini-2.5-flash', contents: 'hi' }).then(() => undefined, (e: unknown) => e as ApiError);
    t.ok(error instanceof ApiError, `${status}: an ApiError`);
    t.equal(error?.status, clientStatus, `upstream ${status} → client ${clientStatus}`);
    const parsed = JSON.parse(error?.message ?? '{}') as Wire;
    t.match(parsed, { error: { code: clientStatus, status: name } }, `upstream ${status}: Gemini-shaped body`);
    if (status === 400) t.notMatch(JSON.stringify(parsed), /API key not valid/, "the upstream's key message is never shown");
  }
  upstream.failNext({ status: 429, body: geminiErrors.rateLimited('17s') });
  const raw = await post(await fresh(), '/v1beta/models/gemini-2.5-flash:generateContent', hello);
  t.equal(raw.status, 429);
  t.equal(raw.headers['retry-after'], '17', 'RetryInfo becomes retry-after');
  t.match(raw.body, { error: { details: [{ reason: 'SLUICE_ERR_UPSTREAM_RATE_LIMITED' }, { '@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay: '17s' }] } });
});

t.test('a stream that breaks becomes a Gemini error event the SDK raises, after the chunks before it', async (t) => {
  const upstream = await startGeminiUpstream({ apiKey: UPSTREAM_KEY });
  const gw = await startGateway(config(geminiChannel('gemini-main', upstream), false));
  t.teardown(async () => {
    await gw.stop();
    await upstream.close();
  });
  const ai = new GoogleGenAI({ apiKey: TENANT_KEY, httpOptions: { baseUrl: gw.url } });
  for (const model of ['mock-drop', 'mock-malformed']) {
    const texts: string[] = [];
    const error = await (async () => {
      for await (const chunk of await ai.models.generateContentStream({ model, contents: 'hi' })) texts.push(chunk.text ?? '');
    })().then(() => undefined, (e: unknown) => e);
    t.ok(texts.length >= 1, `${model}: chunks before the failure arrived`);
    t.match(error, { name: 'ApiError', status: 502 }, `${model}: the error event becomes an ApiError`);
  }
});

t.test('client mistakes get Gemini-shaped errors', async (t) => {
  const upstream = await startGeminiUpstream({ apiKey: UPSTREAM_KEY });
  const gw = await startGateway(config(geminiChannel('gemini-main', upstream), false));
  t.teardown(async () => {
    await gw.stop();
    await upstream.close();
  });
  const path = '/v1beta/models/gemini-2.5-flash:generateContent';
  const cases: [string, Promise<{ status: number; body: Wire }>, number, string, RegExp][] = [
    ['wrong key', post(gw, path, hello, 'not-a-key'), 401, 'UNAUTHENTICATED', /./],
    ['unknown model', post(gw, '/v1beta/models/nope:generateContent', hello), 404, 'NOT_FOUND', /nope/],
    ['missing contents', post(gw, path, { generationConfig: {} }), 400, 'INVALID_ARGUMENT', /contents/],
    ['bad field type', post(gw, path, { ...hello, generationConfig: { maxOutputTokens: 'lots' } }), 400, 'INVALID_ARGUMENT', /generationConfig\.maxOutputTokens/],
    ['not JSON', post(gw, path, '{nope'), 400, 'INVALID_ARGUMENT', /JSON/],
    ['unknown action', post(gw, '/v1beta/models/gemini-2.5-flash:predictLongRunning', hello), 404, 'NOT_FOUND', /Unknown request URL/],
    ['stream without alt=sse', post(gw, '/v1beta/models/gemini-2.5-flash:streamGenerateContent', hello), 400, 'INVALID_ARGUMENT', /alt=sse/],
  ];
  for (const [name, pending, status, statusName, message] of cases) {
    const response = await pending;
    t.equal(response.status, status, `${name}: status`);
    t.match(response.body, { error: { code: status, status: statusName, message } }, `${name}: body`);
  }
  t.equal(upstream.requests.length, 0, 'none of these reached the upstream');
});

t.test('retry: a retryable Gemini failure moves to the next channel, a bad request does not', async (t) => {
  const first = await startGeminiUpstream({ apiKey: UPSTREAM_KEY });
  const second = await startGeminiUpstream({ apiKey: UPSTREAM_KEY });
  const gw = await startGateway(config(`${geminiChannel('primary', first, 1)}\n${geminiChannel('backup', second, 0)}`, true));
  t.teardown(async () => {
    await gw.stop();
    await first.close();
    await second.close();
  });
  first.failNext({ status: 503 });
  const recovered = await post(gw, '/v1beta/models/gemini-2.5-flash:generateContent', hello);
  t.equal(recovered.status, 200);
  t.equal(second.requests.length, 1, 'the backup answered');
  first.failNext({ status: 400, body: geminiErrors.badRequest('* GenerateContentRequest.contents[0].parts: contents.parts must not be empty.\n') });
  const refused = await post(gw, '/v1beta/models/gemini-2.5-flash:generateContent', hello);
  t.equal(refused.status, 400);
  t.match(refused.body, { error: { message: /must not be empty/ } });
  t.equal(second.requests.length, 1, 'a bad request is not retried elsewhere');
});

t.test('translated streams are not buffered, in both directions', async (t) => {
  const gemini = await startGeminiUpstream({ reply: 'one two three four five', chunkDelayMs: 200 });
  const openai = await startOpenAIUpstream({ reply: 'one two three four five', chunkDelayMs: 200 });
  const gw = await startGateway(
    config(`  - { name: g, adapter: gemini, baseUrl: '${gemini.url}', keys: ['k'], models: [gemini-2.5-flash] }\n  - { name: o, adapter: openai, baseUrl: '${openai.url}', keys: ['k'], models: [gpt-4o] }`, false),
  );
  t.teardown(async () => {
    await gw.stop();
    await gemini.close();
    await openai.close();
  });
  const runs = [
    { name: 'openai client, Gemini upstream', url: `${gw.url}/v1/chat/completions`, body: { model: 'gemini-2.5-flash', stream: true, messages: [{ role: 'user', content: 'count' }] }, text: '"content":"' },
    { name: 'Gemini client, OpenAI upstream', url: `${gw.url}/v1beta/models/gpt-4o:streamGenerateContent?alt=sse`, body: { contents: [{ role: 'user', parts: [{ text: 'count' }] }] }, text: '"text":"' },
  ];
  for (const run of runs) {
    const { status, pieces, text } = await postStream(run.url, TENANT_KEY, run.body);
    t.equal(status, 200, `${run.name}: 200`);
    const at = pieces.filter((p) => p.text.includes(run.text)).map((p) => p.at);
    // The mocks send the first words at once (OpenAI's after its role chunk), then one every 200 ms: a buffered
    // stream would arrive in one read at the end (~1 s).
    t.ok(at.length >= 4, `${run.name}: content in ${at.length} separate reads`);
    t.ok(at[0]! < 500, `${run.name}: first content after ${at[0]!.toFixed(0)} ms`);
    t.ok(pieces.at(-1)!.at - at[0]! > 400, `${run.name}: spread over ${(pieces.at(-1)!.at - at[0]!).toFixed(0)} ms, not delivered at the end`);
    const gaps = at.slice(1).map((a, i) => a - at[i]!);
    // One pair of reads may merge on a loaded machine; a buffered stream would merge them all.
    t.ok(gaps.filter((g) => g > 120).length >= gaps.length - 1, `${run.name}: gaps ${gaps.map((g) => g.toFixed(0)).join(', ')} ms`);
    t.ok(dataEvents(text.replaceAll('\r\n', '\n')).length >= 4, `${run.name}: SSE events`);
  }
});
