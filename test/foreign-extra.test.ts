// A field only one wire format has, sent to an upstream of another format, is reported, never silently lost.
import t from 'tap';
import { request } from 'undici';
import { startOpenAIUpstream } from './mocks/openai-upstream.js';
import { openaiConfig, startGateway, TENANT_KEY } from './helpers/gateway.js';

const upstream = await startOpenAIUpstream();
const yaml = (strict: boolean) =>
  openaiConfig([{ name: 'oa', baseUrl: upstream.url, models: ['gpt-4o'], extra: `    strict: ${strict}\n` }]).replace(
    "adapters: ['@sluice/adapter-openai', '@sluice/adapter-mock']",
    "adapters: ['@sluice/adapter-openai', '@sluice/adapter-gemini']",
  );
const lenient = await startGateway(yaml(false));
const strict = await startGateway(yaml(true));
t.teardown(async () => {
  await lenient.stop();
  await strict.stop();
  await upstream.close();
});

const body = {
  contents: [{ role: 'user', parts: [{ text: 'hello' }] }],
  safetySettings: [{ category: 'HARM_CATEGORY_HARASSMENT', threshold: 'BLOCK_NONE' }],
};
const send = (url: string) =>
  request(`${url}/v1beta/models/gpt-4o:generateContent`, {
    method: 'POST',
    headers: { 'x-goog-api-key': TENANT_KEY, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });

t.test('a Gemini-only field sent to an OpenAI upstream is reported in x-sluice-dropped', async (t) => {
  const response = await send(lenient.url);
  await response.body.dump();
  t.equal(response.statusCode, 200);
  t.match(String(response.headers['x-sluice-dropped']), /safetySettings/);
  const sent = upstream.requests.at(-1)?.body as Record<string, unknown>;
  t.notOk('safetySettings' in sent, 'and it was not sent to the OpenAI upstream');
});

t.test('on a strict channel the same request is refused before anything is sent', async (t) => {
  const before = upstream.requests.length;
  const response = await send(strict.url);
  const error = (await response.body.json()) as { error: { status: string; message: string } };
  t.equal(response.statusCode, 400);
  t.match(error.error.message, /safetySettings/);
  t.equal(upstream.requests.length, before, 'nothing reached the upstream');
});
