// The Gemini mock itself: Google's byte shapes (so the adapter is tested against the real format) and the official
// SDK talking to it directly, without the gateway.
import t from 'tap';
import { request } from 'undici';
import { GoogleGenAI } from '@google/genai';
import { DEFAULT_REPLY, geminiErrors, startGeminiUpstream } from './mocks/gemini-upstream.js';

const upstream = await startGeminiUpstream({ apiKey: 'AIza-mock-key' });
t.teardown(() => upstream.close());

const post = async (path: string, body: unknown, key = 'AIza-mock-key'): Promise<{ status: number; type: unknown; text: string }> => {
  const response = await request(`${upstream.url}${path}`, { method: 'POST', headers: { 'x-goog-api-key': key, 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: response.statusCode, type: response.headers['content-type'], text: await response.body.text() };
};
const hello = { contents: [{ role: 'user', parts: [{ text: 'Say hello' }] }] };

t.test('streamGenerateContent?alt=sse: CRLF-framed events of compact Google JSON', async (t) => {
  const { status, type, text } = await post('/models/gemini-2.5-flash:streamGenerateContent?alt=sse', hello);
  t.equal(status, 200);
  t.equal(type, 'text/event-stream');
  const frames = text.split('\r\n\r\n');
  t.equal(frames.pop(), '', 'every event ends with a CRLF pair');
  t.match(
    frames[0],
    /^data: \{"candidates": \[\{"content": \{"parts": \[\{"text": "Hello "\}\],"role": "model"\},"index": 0\}\],"usageMetadata": \{"promptTokenCount": 2,"candidatesTokenCount": 1,"totalTokenCount": 3,"promptTokensDetails": \[\{"modality": "TEXT","tokenCount": 2\}\]\},"modelVersion": "gemini-2.5-flash","responseId": "[\w-]{22}"\}$/,
  );
  t.match(frames.at(-1), /"finishReason": "STOP","index": 0\}\]/);
});

t.test('generateContent: 2-space JSON; errors are google.rpc.Status bodies', async (t) => {
  const ok = await post('/models/gemini-2.5-flash:generateContent', hello);
  t.equal(ok.type, 'application/json; charset=UTF-8');
  t.ok(ok.text.startsWith('{\n  "candidates": [\n    {\n      "content": {\n        "parts": [\n'));
  t.ok(ok.text.endsWith('}\n'));
  t.match(JSON.parse(ok.text), { candidates: [{ content: { role: 'model', parts: [{ text: DEFAULT_REPLY }] }, finishReason: 'STOP', index: 0 }] });

  const wrongKey = await post('/models/gemini-2.5-flash:generateContent', hello, 'nope');
  t.equal(wrongKey.status, 400, 'Gemini answers a wrong key with 400');
  t.strictSame(JSON.parse(wrongKey.text), geminiErrors.invalidApiKey());
  upstream.failNext({ status: 429 });
  const limited = await post('/models/gemini-2.5-flash:generateContent', hello);
  t.equal(limited.status, 429);
  t.match(JSON.parse(limited.text), { error: { code: 429, status: 'RESOURCE_EXHAUSTED', details: [{}, {}, { retryDelay: '17s' }] } });
});

t.test('@google/genai reads the mock directly', async (t) => {
  const ai = new GoogleGenAI({ apiKey: 'AIza-mock-key', httpOptions: { baseUrl: upstream.url.replace(/\/v1beta$/, '') } });
  const response = await ai.models.generateContent({ model: 'gemini-2.5-flash', contents: 'hi' });
  t.equal(response.text, DEFAULT_REPLY);
  let text = '';
  for await (const chunk of await ai.models.generateContentStream({ model: 'mock-thinking', contents: 'hi', config: { thinkingConfig: { includeThoughts: true } } })) text += chunk.text ?? '';
  t.equal(text, DEFAULT_REPLY);
});
