// The opt-in semantic cache, end to end: embeddings from a mock-adapter channel of the gateway itself (a hashed
// bag of words: texts sharing words are similar), the chat from the mock model, which echoes the prompt — so a
// reply naming another question proves it came from the cache.
import { randomUUID } from 'node:crypto';
import t from 'tap';
import OpenAI from 'openai';
import { startGateway, type TestGateway } from './helpers/gateway.js';

const ACME = 'sk-semantic-test-acme-00000001';
const GLOBEX = 'sk-semantic-test-globex-000001';
const ADMIN = 'admin-semantic-test-key-00001';

function yaml(semantic: string, embedChannel = 'options: { dimensions: 256 }'): string {
  return `version: 1
server: { host: 127.0.0.1, adminKey: ${ADMIN} }
logging: { level: warn }
pipeline:
  - use: '@sluice/auth'
  - use: '@sluice/cache'
    with: { ttl: 1m, semantic: ${semantic} }
  - use: '@sluice/router'
adapters: ['@sluice/adapter-mock']
channels:
  - { name: chat, adapter: mock, models: [mock-gpt, mock-gpt-2] }
  - { name: embedder, adapter: mock, models: [mock-embed], ${embedChannel} }
tenants:
  - id: acme
    keys: [{ key: ${ACME}, id: acme-1 }]
  - id: globex
    keys: [{ key: ${GLOBEX}, id: globex-1 }]
`;
}

interface Reply {
  status: number;
  cache: string | null;
  score: string | null;
  content: string;
}

async function chat(gw: TestGateway, messages: { role: string; content: string }[], options: { key?: string; model?: string } = {}): Promise<Reply> {
  const response = await fetch(`${gw.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${options.key ?? ACME}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model: options.model ?? 'mock-gpt', messages }),
  });
  const body = (await response.json()) as { choices?: { message: { content: string } }[] };
  return {
    status: response.status,
    cache: response.headers.get('x-sluice-cache'),
    score: response.headers.get('x-sluice-cache-score'),
    content: body.choices?.[0]?.message.content ?? '',
  };
}

const user = (content: string): { role: string; content: string }[] => [{ role: 'user', content }];
// A fresh tenant-local topic per test: the vectors of earlier tests never compete.
const topic = (): string => `zx${randomUUID().slice(0, 6)}`;

const gw = await startGateway(yaml('{ channel: embedder, model: mock-embed, threshold: 0.9 }'));
t.teardown(() => gw.stop());

t.test('a paraphrased question hits the semantic cache above the threshold; an unrelated one does not', async (t) => {
  const city = topic();
  const original = await chat(gw, user(`What is the capital city of ${city}?`));
  t.equal(original.cache, 'miss');
  t.match(original.content, `capital city of ${city}`);

  const paraphrase = await chat(gw, user(`What is the capital of ${city}?`));
  t.equal(paraphrase.cache, 'semantic-hit');
  t.ok(Number(paraphrase.score) >= 0.9, `score ${paraphrase.score} ≥ threshold`);
  t.equal(paraphrase.content, original.content, 'the answer to the original question');

  const unrelated = await chat(gw, user(`How do I bake sourdough bread in ${city}?`));
  t.equal(unrelated.cache, 'miss');
  t.match(unrelated.content, 'sourdough', 'answered by the model');

  const nearMiss = await chat(gw, user(`What is the capital city of Spain, not ${city}?`));
  t.equal(nearMiss.cache, 'miss', 'sharing most words is not enough below the threshold');
});

t.test('the system prompt, the model and the tenant must match exactly', async (t) => {
  const city = topic();
  await chat(gw, user(`What is the capital city of ${city}?`));
  const paraphrase = `What is the capital of ${city}?`;
  t.equal((await chat(gw, [{ role: 'system', content: 'Answer in French.' }, ...user(paraphrase)])).cache, 'miss', 'another system prompt');
  t.equal((await chat(gw, user(paraphrase), { model: 'mock-gpt-2' })).cache, 'miss', 'another model');
  t.equal((await chat(gw, user(paraphrase), { key: GLOBEX })).cache, 'miss', 'another tenant');
  t.equal((await chat(gw, user(paraphrase))).cache, 'semantic-hit', 'the same context still hits');
});

t.test('a semantic hit replays to a streaming client through the openai SDK', async (t) => {
  const city = topic();
  const original = await chat(gw, user(`Which rivers flow through ${city} city?`));
  const client = new OpenAI({ apiKey: ACME, baseURL: `${gw.url}/v1`, maxRetries: 0 });
  const { data: stream, response } = await client.chat.completions
    .create({ model: 'mock-gpt', messages: [{ role: 'user', content: `Which rivers flow through ${city} city` }], stream: true })
    .withResponse();
  let text = '';
  for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
  t.equal(response.headers.get('x-sluice-cache'), 'semantic-hit');
  t.equal(text, original.content);
});

t.test('purging a tenant removes its vectors too', async (t) => {
  const city = topic();
  await chat(gw, user(`Where is the old harbour of ${city}?`), { key: GLOBEX });
  const purge = await fetch(`${gw.url}/admin/cache?tenant=globex`, { method: 'DELETE', headers: { authorization: `Bearer ${ADMIN}` } });
  const body = (await purge.json()) as { purged: number; vectors: number };
  t.ok(body.purged >= 1 && body.vectors >= 1, `purged ${JSON.stringify(body)}`);
  t.equal((await chat(gw, user(`Where is the old harbour in ${city}?`), { key: GLOBEX })).cache, 'miss');
});

t.test('a failing embedding channel turns semantic lookups into misses, never into errors', async (t) => {
  const broken = await startGateway(yaml('{ channel: embedder, model: mock-embed }', 'options: { failStatus: 500 }'));
  t.teardown(() => broken.stop());
  const city = topic();
  const first = await chat(broken, user(`What is the capital city of ${city}?`));
  t.equal(first.status, 200);
  t.equal(first.cache, 'miss');
  t.equal((await chat(broken, user(`What is the capital city of ${city}?`))).cache, 'hit', 'the exact cache still works');
});

t.test('a semantic channel that is not configured fails startup with its name', async (t) => {
  await t.rejects(startGateway(yaml('{ channel: nowhere, model: mock-embed }')), /semantic\.channel 'nowhere'/);
  await t.rejects(startGateway(yaml('{ channel: embedder, model: mock-gpt }')), /does not serve the model 'mock-gpt'/);
});
