// Each official SDK, unchanged, authenticates with its own native header: openai (Authorization: Bearer),
// @anthropic-ai/sdk (x-api-key; its 1.x versions send Authorization: Bearer), @google/genai (x-goog-api-key). A recording proxy in front of the gateway shows
// which header each SDK actually sent. The Anthropic and Gemini surfaces come from their adapter packages: when one
// is missing (or its route answers 404 unknown_url), that SDK's test is skipped with the reason.
import t from 'tap';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { request } from 'undici';
import OpenAI from 'openai';
import Anthropic from '@anthropic-ai/sdk';
import { GoogleGenAI } from '@google/genai';
import { admin, authConfig, http } from './helpers/auth-gateway.js';
import { startGateway, type TestGateway } from './helpers/gateway.js';

const SURFACE_ADAPTERS = ['@sluice/adapter-anthropic', '@sluice/adapter-gemini'];

/** The gateway with the surface adapters when they load; without them (and the reason) when they do not. */
async function start(): Promise<{ gw: TestGateway; missing?: string }> {
  try {
    return { gw: await startGateway(authConfig({ adapters: SURFACE_ADAPTERS })) };
  } catch (error) {
    return { gw: await startGateway(authConfig()), missing: (error as Error).message.split('\n').slice(0, 3).join(' ') };
  }
}

const { gw, missing } = await start();
t.teardown(() => gw.stop());
const api = admin(gw.url);
await api.createTenant('sdk', { group: 'default' });
const { key } = await api.createKey('sdk', { models: ['mock-gpt*'] });
const WRONG = 'sk-sluice-wrong-sdk-key-0000000000000000000000000000000000';

/** A loopback proxy that records each request's headers and passes it on to the gateway untouched. */
const seen: IncomingHttpHeaders[] = [];
const proxy = createServer((req, res) => {
  seen.push(req.headers);
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    const headers = Object.fromEntries(Object.entries(req.headers).filter(([name]) => name !== 'host' && name !== 'connection')) as Record<string, string>;
    request(`${gw.url}${req.url ?? '/'}`, { method: req.method as 'GET', headers, body: chunks.length > 0 ? Buffer.concat(chunks) : null }).then(
      async (reply) => {
        res.writeHead(reply.statusCode, reply.headers as Record<string, string>);
        for await (const chunk of reply.body) res.write(chunk);
        res.end();
      },
      () => res.destroy(),
    );
  });
});
await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', r));
t.teardown(() => new Promise<void>((r) => proxy.close(() => r())));
const proxyUrl = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;

/** Why an SDK cannot be tested yet, or undefined when its route exists. */
async function unavailable(path: string, body: unknown): Promise<string | undefined> {
  if (missing) return `surface adapters did not load: ${missing}`;
  const reply = await http<{ error?: { code?: string }; [k: string]: unknown }>(`${gw.url}${path}`, 'POST', { 'x-api-key': key, 'x-goog-api-key': key }, body);
  const code = reply.body.error?.code;
  return reply.status === 404 && (code === 'unknown_url' || JSON.stringify(reply.body).includes('Unknown request URL')) ? `${path} answers 404 unknown_url: surface not built yet` : undefined;
}

const lastHeaders = (): IncomingHttpHeaders => seen.at(-1) ?? {};

t.test('openai SDK: Authorization: Bearer', async (t) => {
  const client = new OpenAI({ apiKey: key, baseURL: `${proxyUrl}/v1`, maxRetries: 0 });
  const completion = await client.chat.completions.create({ model: 'mock-gpt', messages: [{ role: 'user', content: 'hi' }] });
  t.match(completion.choices[0]?.message.content, /^from mock-[ac]$/, 'answered by a default-group channel');
  t.equal(lastHeaders()['authorization'], `Bearer ${key}`, 'sent as Bearer');
  const listed = await client.models.list();
  t.strictSame(listed.data.map((m) => m.id).sort(), ['mock-gpt', 'mock-gpt-mini'], 'models.list shows what the key may use');
  const wrong = new OpenAI({ apiKey: WRONG, baseURL: `${proxyUrl}/v1`, maxRetries: 0 });
  const error = await wrong.models.list().then(() => undefined, (e: unknown) => e);
  t.ok(error instanceof OpenAI.AuthenticationError, 'a wrong key: the SDK raises its AuthenticationError');
});

const anthropicMissing = await unavailable('/v1/messages', { model: 'mock-gpt', max_tokens: 16, messages: [{ role: 'user', content: 'hi' }] });
t.test('@anthropic-ai/sdk: its own header (x-api-key, or Bearer in SDK 1.x)', { skip: anthropicMissing ?? false }, async (t) => {
  const client = new Anthropic({ apiKey: key, baseURL: proxyUrl, maxRetries: 0 });
  const message = await client.messages.create({ model: 'mock-gpt', max_tokens: 16, messages: [{ role: 'user', content: 'hi' }] });
  const first = message.content[0];
  t.match(first?.type === 'text' ? first.text : undefined, /^from mock-[ac]$/);
  // Anthropic's API takes x-api-key; recent versions of its SDK (1.x) send the key as Authorization: Bearer instead.
  // Either way it is the SDK's own choice, unchanged, and the gateway accepts both.
  const sent = lastHeaders();
  const via = sent['x-api-key'] === key ? 'x-api-key' : sent['authorization'] === `Bearer ${key}` ? 'Authorization: Bearer' : undefined;
  t.ok(via, `the key arrived in the SDK's own header (${via ?? 'none'})`);
  t.comment(`@anthropic-ai/sdk sent the key as: ${via ?? 'none'}`);
  const wrong = new Anthropic({ apiKey: WRONG, baseURL: proxyUrl, maxRetries: 0 });
  const error = await wrong.messages.create({ model: 'mock-gpt', max_tokens: 16, messages: [{ role: 'user', content: 'hi' }] }).then(() => undefined, (e: unknown) => e);
  t.ok(error instanceof Anthropic.AuthenticationError, 'a wrong key: the SDK raises its AuthenticationError');
  const forbidden = await client.messages.create({ model: 'mock-embed', max_tokens: 16, messages: [{ role: 'user', content: 'hi' }] }).then(() => undefined, (e: unknown) => e);
  t.ok(forbidden instanceof Anthropic.PermissionDeniedError, 'a model outside the globs: PermissionDeniedError (403)');
});

const geminiMissing = await unavailable('/v1beta/models/mock-gpt:generateContent', { contents: [{ role: 'user', parts: [{ text: 'hi' }] }] });
t.test('@google/genai: x-goog-api-key', { skip: geminiMissing ?? false }, async (t) => {
  const ai = new GoogleGenAI({ apiKey: key, httpOptions: { baseUrl: proxyUrl } });
  const reply = await ai.models.generateContent({ model: 'mock-gpt', contents: 'hi' });
  t.match(reply.text, /^from mock-[ac]$/);
  t.equal(lastHeaders()['x-goog-api-key'], key, 'sent as x-goog-api-key');
  t.equal(lastHeaders()['authorization'], undefined, 'and not as Bearer');
  const wrong = new GoogleGenAI({ apiKey: WRONG, httpOptions: { baseUrl: proxyUrl } });
  const error = (await wrong.models.generateContent({ model: 'mock-gpt', contents: 'hi' }).then(() => undefined, (e: unknown) => e)) as { status?: number } | undefined;
  t.equal(error?.status, 401, 'a wrong key: 401');
});
