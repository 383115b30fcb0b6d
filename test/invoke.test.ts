// PluginApi.invoke: a plugin's own upstream call goes through core's dispatch (channel key, base URL, error mapping).
import t from 'tap';
import { request } from 'undici';
import { startOpenAIUpstream } from './mocks/openai-upstream.js';
import { startGateway, UPSTREAM_KEY } from './helpers/gateway.js';

const upstream = await startOpenAIUpstream({ apiKey: UPSTREAM_KEY });
const gw = await startGateway(`version: 1
server: { host: 127.0.0.1 }
logging: { level: warn }
pipeline:
  - use: './helpers/invoke-probe.ts'
adapters: ['@sluice/adapter-openai']
channels:
  - { name: embedder, adapter: openai, baseUrl: '${upstream.url}', keys: ['${UPSTREAM_KEY}'], models: [text-embedding-3-small] }
`);
t.teardown(async () => {
  await gw.stop();
  await upstream.close();
});

t.test('invoke runs one attempt on the named channel with its key', async (t) => {
  const response = await request(`${gw.url}/probe/embed`);
  t.same(await response.body.json(), { length: 8 });
  const sent = upstream.requests.at(-1);
  t.equal(sent?.path, '/v1/embeddings');
  t.equal(sent?.headers['authorization'], `Bearer ${UPSTREAM_KEY}`);
});

t.test('an upstream failure comes back as a typed, scrubbed gateway error', async (t) => {
  upstream.failNext({ status: 500 });
  const response = await request(`${gw.url}/probe/embed`);
  const body = (await response.body.json()) as { error: { sluice_code: string } };
  t.equal(response.statusCode, 502);
  t.equal(body.error.sluice_code, 'SLUICE_ERR_UPSTREAM_SERVER');
});
