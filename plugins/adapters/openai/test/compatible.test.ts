// The OpenAI-compatible family through a real gateway: loaded by name from gateway.yaml, channel options validated
// by core against the adapters' schema, and vendor differences visible on the wire of a loopback upstream.
import t from 'tap';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { ConfigError, createGateway, loadGateway } from '@sluice/core';

const CONFIG_PATH = fileURLToPath(new URL('./gateway.yaml', import.meta.url)); // packages resolve from here up
const TENANT = 'sk-tenant-compatible-0001';
const AZURE_KEY = 'azure-key-3f9a1c0d5e7b';
const MISTRAL_KEY = 'mistral-key-8c2e4a6b0d1f';

interface Seen { method: string; url: string; headers: IncomingMessage['headers']; body: Record<string, unknown> }

/** An OpenAI-wire upstream on loopback that records each request; streams carry usage unasked, as Mistral does. */
async function startUpstream(): Promise<{ url: string; seen: Seen[]; close(): Promise<void> }> {
  const seen: Seen[] = [];
  const server = createServer((req, res) => {
    let raw = '';
    req.on('data', (c: Buffer) => (raw += c.toString('utf8')));
    req.on('end', () => {
      const body = JSON.parse(raw || '{}') as Record<string, unknown>;
      seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
      const base = { id: 'up-1', created: 1, model: String(body['model']) };
      const usage = { prompt_tokens: 5, completion_tokens: 2, total_tokens: 7 };
      if (body['stream'] !== true) {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ ...base, object: 'chat.completion', choices: [{ index: 0, message: { role: 'assistant', content: 'Hi there' }, finish_reason: 'stop' }], usage }));
        return;
      }
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      const chunk = (extra: object): string => `data: ${JSON.stringify({ ...base, object: 'chat.completion.chunk', ...extra })}\n\n`;
      res.end(
        chunk({ choices: [{ index: 0, delta: { role: 'assistant', content: 'Hi' }, finish_reason: null }] }) +
          chunk({ choices: [{ index: 0, delta: {}, finish_reason: 'stop' }], usage }) +
          'data: [DONE]\n\n',
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, seen, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

const config = (upstream: string, channels: string): string => `version: 1
server: { host: 127.0.0.1 }
logging: { level: warn }
pipeline:
  - use: '@sluice/auth'
  - use: '@sluice/router'
adapters: ['@sluice/adapter-openai', '@sluice/adapter-openai/compatible']
channels:
${channels.replaceAll('UPSTREAM', upstream)}
tenants:
  - id: acme
    keys: [{ key: ${TENANT}, id: k1 }]
`;

const CHANNELS = `  - name: azure
    adapter: azure-openai
    baseUrl: UPSTREAM
    keys: ['${AZURE_KEY}']
    models: [{ name: gpt-4o, upstream: prod-gpt4o }]
  - name: mistral
    adapter: mistral
    baseUrl: UPSTREAM/v1
    keys: ['${MISTRAL_KEY}']
    models: [mistral-large-latest]
  - name: mistral-strict
    adapter: mistral
    strict: true
    baseUrl: UPSTREAM/v1
    keys: ['${MISTRAL_KEY}']
    models: [mistral-strict]
  - name: local
    adapter: openai-compatible
    baseUrl: UPSTREAM/v1
    models: [llama3]
    options: { headers: { X-Team: ml } }`;

const silent = new Writable({ write: (_c, _e, done) => done() });

t.test('a gateway serves the family from YAML: Azure paths and api-key, Mistral renames and drops, keyless self-hosted', async (t) => {
  const upstream = await startUpstream();
  const gateway = await createGateway({ configText: config(upstream.url, CHANNELS), configPath: CONFIG_PATH, port: 0, logDestination: silent });
  await gateway.start();
  t.teardown(async () => {
    await gateway.stop();
    await upstream.close();
  });
  const chat = (body: object): Promise<Response> =>
    fetch(`${gateway.url}/v1/chat/completions`, { method: 'POST', headers: { authorization: `Bearer ${TENANT}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });

  const azure = await chat({ model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }] });
  t.equal(azure.status, 200);
  t.match(await azure.json(), { choices: [{ message: { content: 'Hi there' } }], usage: { prompt_tokens: 5 } });
  const azureSeen = upstream.seen.at(-1);
  t.equal(azureSeen?.url, '/openai/deployments/prod-gpt4o/chat/completions?api-version=2024-10-21', 'deployment path and api-version');
  t.equal(azureSeen?.headers['api-key'], AZURE_KEY, 'the key in api-key');
  t.notOk(azureSeen?.headers['authorization'], 'no Authorization header');

  const mistral = await chat({
    model: 'mistral-large-latest', stream: true, stream_options: { include_usage: true }, user: 'u-1', seed: 42, max_completion_tokens: 50,
    messages: [{ role: 'user', content: 'hi' }],
  });
  t.equal(mistral.status, 200);
  t.equal(mistral.headers.get('x-sluice-dropped'), 'user', 'the client learns what did not reach the vendor');
  const sse = await mistral.text();
  t.match(sse, /"usage":\{"prompt_tokens":5,"completion_tokens":2/, 'the usage chunk the client asked for, from usage Mistral sent unasked');
  const mistralSeen = upstream.seen.at(-1);
  t.equal(mistralSeen?.url, '/v1/chat/completions');
  t.equal(mistralSeen?.headers['authorization'], `Bearer ${MISTRAL_KEY}`);
  t.strictSame(mistralSeen?.body, { model: 'mistral-large-latest', messages: [{ role: 'user', content: 'hi' }], max_tokens: 50, stream: true, random_seed: 42 });

  const before = upstream.seen.length;
  const strict = await chat({ model: 'mistral-strict', user: 'u-1', messages: [{ role: 'user', content: 'hi' }] });
  t.equal(strict.status, 400, 'a strict channel refuses instead of dropping');
  t.match(await strict.json(), { error: { sluice_code: 'SLUICE_ERR_TRANSLATION_LOSS', param: 'user' } });
  t.equal(upstream.seen.length, before, 'nothing was sent upstream');

  const local = await chat({ model: 'llama3', messages: [{ role: 'user', content: 'hi' }] });
  t.equal(local.status, 200);
  const localSeen = upstream.seen.at(-1);
  t.notOk(localSeen?.headers['authorization'], 'a keyless channel sends no auth header');
  t.equal(localSeen?.headers['x-team'], 'ml', 'options.headers are sent');
});

t.test('channel options are validated against the family schema at load, with the YAML path', async (t) => {
  const bad = `  - name: groq
    adapter: groq
    baseUrl: https://api.groq.com/openai/v1
    keys: ['k-0123456789']
    models: [llama]
    options: { drop: ['messages[].name', 'not a path'], authheader: x }`;
  const error = await loadGateway({ configText: config('http://127.0.0.1:9', bad), configPath: CONFIG_PATH }).catch((e: unknown) => e);
  t.type(error, ConfigError);
  const paths = (error as ConfigError).issues.map((i) => `${i.path}: ${i.message}`);
  t.ok(paths.some((p) => p.startsWith('channels[0].options.drop[1]:')), `the bad drop path is named (${paths.join('; ')})`);
  t.ok(paths.includes('channels[0].options.authheader: unknown key'), 'a misspelt option is named');

  const good = `  - name: azure-v1
    adapter: azure-openai
    baseUrl: https://example.openai.azure.com
    keys: ['k-0123456789']
    models: [gpt-4o]
    options: { pathTemplate: '/openai/v1{path}', apiVersion: '', authHeader: authorization, authScheme: Bearer, drop: ['logprobs'] }`;
  const loaded = await loadGateway({ configText: config('http://127.0.0.1:9', good), configPath: CONFIG_PATH });
  t.equal(loaded.channels.get('azure-v1')?.adapter.id, 'azure-openai');
});
