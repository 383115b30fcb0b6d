// Cache keys: what makes two calls "the same", and the per-request directives.
import t from 'tap';
import type { ChatRequest, Principal } from '@sluice/core';
import { canonicalJson, directivesOf, normalizeRequest, requestKey, scopeOf, semanticQuery, tenantPrefixes } from '@sluice/cache';

const chat = (fields: Partial<ChatRequest> = {}): ChatRequest => ({
  operation: 'chat',
  model: 'gpt-4o',
  messages: [{ role: 'user', content: 'Hello' }],
  stream: false,
  includeUsage: false,
  ...fields,
});
const keyOf = (request: ChatRequest, scope = 't.acme', resolved = 'gpt-4o|default|up=gpt-4o'): string => requestKey(scope, resolved, normalizeRequest(request));

t.test('canonical JSON ignores field order and undefined', async (t) => {
  t.equal(canonicalJson({ b: 1, a: { d: [1, { y: 2, x: undefined, w: 3 }], c: null } }), '{"a":{"c":null,"d":[1,{"w":3,"y":2}]},"b":1}');
});

t.test('stream flags do not change the key; the answer-shaping fields do', async (t) => {
  const plain = keyOf(chat());
  t.equal(keyOf(chat({ stream: true, includeUsage: true })), plain, 'streamed and plain share an entry');
  t.equal(keyOf(chat({ extra: { format: 'openai', fields: { stream_options: { include_usage: true }, user: 'u1', metadata: { a: 1 } } } })), plain, 'neutral extras are ignored');
  t.equal(keyOf(chat({ n: 1, topP: 1, temperature: 1, stop: [], tools: [], toolChoice: 'none' })), plain, 'defaults written out = defaults omitted');
  t.equal(keyOf(chat({ messages: [{ role: 'user', content: [{ type: 'text', text: 'Hello' }] }] })), plain, 'one text part = the bare string');
  t.equal(keyOf(chat({ user: 'end-user-7' })), plain, 'the end-user id is not part of the key');
  for (const [label, changed] of [
    ['temperature', chat({ temperature: 0 })],
    ['max tokens', chat({ maxTokens: 5 })],
    ['prompt', chat({ messages: [{ role: 'user', content: 'Hello!' }] })],
    ['system prompt', chat({ messages: [{ role: 'system', content: 'Be brief' }, { role: 'user', content: 'Hello' }] })],
    ['response_format', chat({ extra: { format: 'openai', fields: { response_format: { type: 'json_object' } } } })],
    ['tools', chat({ tools: [{ type: 'function', function: { name: 'f' } }] })],
  ] as const) {
    t.not(keyOf(changed), plain, `${label} changes the key`);
  }
  t.not(keyOf(chat(), 't.other'), plain, 'another scope, another key');
  t.not(keyOf(chat(), 't.acme', 'gpt-4o|default|up=gpt-4o-2024-11-20'), plain, 'another resolved model, another key');
});

t.test('scopes: tenant, key, group, global; segments are escaped so no tenant can reach into another', async (t) => {
  const p: Principal = { tenant: 'acme.k.x', group: 'pro', keyId: 'key:1', metadata: {} };
  t.equal(scopeOf('tenant', p), 't.acme%2Ek%2Ex');
  t.equal(scopeOf('key', p), 't.acme%2Ek%2Ex.k.key%3A1');
  t.equal(scopeOf('group', p), 'g.pro');
  t.equal(scopeOf('global', undefined), 'global');
  t.equal(scopeOf('tenant', undefined), undefined, 'no principal, no tenant scope');
  t.same(tenantPrefixes('acme'), ['t.acme:', 't.acme.k.']);
  const prefixes = tenantPrefixes('acme');
  t.notOk(prefixes.some((prefix) => `${scopeOf('tenant', p)}:h`.startsWith(prefix)), 'purging "acme" does not touch "acme.k.x"');
});

t.test('directives: x-sluice-cache and Cache-Control', async (t) => {
  const d = (headers: Record<string, string>) => {
    const { lookup, store, onlyIfCached } = directivesOf(headers);
    return { lookup, store, onlyIfCached };
  };
  t.same(d({}), { lookup: true, store: true, onlyIfCached: false });
  t.same(d({ 'x-sluice-cache': 'skip' }), { lookup: false, store: false, onlyIfCached: false });
  t.same(d({ 'x-sluice-cache': 'Refresh' }), { lookup: false, store: true, onlyIfCached: false });
  t.same(d({ 'x-sluice-cache': 'only-if-cached' }), { lookup: true, store: false, onlyIfCached: true });
  t.same(d({ 'cache-control': 'no-cache' }), { lookup: false, store: true, onlyIfCached: false });
  t.same(d({ 'cache-control': 'max-age=0, no-store' }), { lookup: true, store: false, onlyIfCached: false });
  t.same(d({ 'cache-control': 'no-cache, no-store' }), { lookup: false, store: false, onlyIfCached: false });
  t.throws(() => directivesOf({ 'x-sluice-cache': 'skipp' }), { code: 'SLUICE_ERR_INVALID_REQUEST', param: 'x-sluice-cache' });
});

t.test('semantic query: the last user turn (+ context) is embedded, the rest must match exactly', async (t) => {
  const conversation = chat({
    messages: [
      { role: 'system', content: 'You answer in French.' },
      { role: 'user', content: 'What is the capital of France?' },
      { role: 'assistant', content: 'Paris.' },
      { role: 'user', content: 'And of Spain?' },
    ],
  });
  const q0 = semanticQuery(conversation, normalizeRequest(conversation), 'r', 0);
  t.equal(q0?.text, 'And of Spain?');
  const q2 = semanticQuery(conversation, normalizeRequest(conversation), 'r', 2);
  t.equal(q2?.text, 'What is the capital of France?\nParis.\nAnd of Spain?');
  const paraphrase = chat({ messages: [...conversation.messages.slice(0, 3), { role: 'user', content: 'What about Spain?' }] });
  t.equal(semanticQuery(paraphrase, normalizeRequest(paraphrase), 'r', 0)?.partition, q0?.partition, 'only the last turn differs: same partition');
  const otherSystem = chat({ messages: [{ role: 'system', content: 'You answer in German.' }, ...conversation.messages.slice(1)] });
  t.not(semanticQuery(otherSystem, normalizeRequest(otherSystem), 'r', 0)?.partition, q0?.partition, 'another system prompt, another partition');
  const hot = chat({ ...conversation, temperature: 0.2 });
  t.not(semanticQuery(hot, normalizeRequest(hot), 'r', 0)?.partition, q0?.partition, 'other parameters, another partition');
  t.not(semanticQuery(conversation, normalizeRequest(conversation), 'other-model', 0)?.partition, q0?.partition, 'another model, another partition');
  const toolTurn = chat({ messages: [...conversation.messages, { role: 'tool', content: '{}', tool_call_id: 'c' }] });
  t.equal(semanticQuery(toolTurn, normalizeRequest(toolTurn), 'r', 0), undefined, 'not ending with a user turn: not eligible');
});
