// Prices in integer micro-units; each token class billed once; tokenizers per model family.
import t from 'tap';
import { PriceTable } from '../src/pricing.js';
import { TokenCounter, defaultTokenizer } from '../src/tokens.js';
import { periodOf } from '../src/settings.js';

const zero = { input: 0, output: 0, cachedInput: 0, cacheWrite: 0, reasoning: 0 };

t.test('cost: classes, per-request amount, rounding up, group multiplier, globs', async (t) => {
  const table = new PriceTable(
    {
      'gpt-4o*': { input: 2_500_000, output: 10_000_000, cachedInput: 1_250_000, cacheWrite: 3_000_000, reasoning: 20_000_000, request: 100 },
      '*': { input: 1, output: 1 },
    },
    { pro: 0.5 },
  );
  // 1000 input of which 200 cached and 100 written; 500 output of which 100 reasoning.
  const tokens = { input: 1000, output: 500, cachedInput: 200, cacheWrite: 100, reasoning: 100 };
  const expected = (700 * 2_500_000 + 200 * 1_250_000 + 100 * 3_000_000 + 400 * 10_000_000 + 100 * 20_000_000) / 1e6 + 100;
  t.equal(table.cost('gpt-4o-mini', 'default', tokens), expected);
  t.equal(table.cost('gpt-4o-mini', 'pro', tokens), Math.ceil(expected / 2));
  t.equal(table.cost('other', 'default', { ...zero, input: 1 }), 1, 'a fraction of a micro-unit rounds up');
  t.ok(Number.isInteger(table.cost('gpt-4o', 'pro', { ...zero, input: 3, output: 7 })));
  t.equal(new PriceTable({}, {}).cost('x', 'default', tokens), 0, 'unpriced models cost nothing');
  const huge = { ...zero, input: 2_000_000_000, output: 2_000_000_000 };
  t.equal(table.cost('gpt-4o', 'default', huge), 2000 * 2_500_000 + 2000 * 10_000_000 + 100, 'large counts stay exact');
});

t.test('tokenizers: real BPE for OpenAI families, the documented approximation for others', async (t) => {
  t.equal(defaultTokenizer('gpt-4o-mini'), 'o200k_base');
  t.equal(defaultTokenizer('o3-mini'), 'o200k_base');
  t.equal(defaultTokenizer('gpt-4-turbo'), 'cl100k_base');
  t.equal(defaultTokenizer('claude-sonnet-4'), 'approx');
  const counter = new TokenCounter({ 'my-*': 'cl100k_base' });
  t.equal(counter.tokenizer('my-model'), 'cl100k_base', 'override by glob');
  t.equal(counter.text('gpt-4o', 'Hello world'), 2, 'o200k counts "Hello world" as 2 tokens');
  t.equal(counter.text('claude-x', 'abcdefgh'), 2, '≈ 4 characters per token');
  const chat = { operation: 'chat' as const, model: 'gpt-4o', stream: false, includeUsage: false, messages: [{ role: 'user' as const, content: 'Hello world' }] };
  t.equal(counter.input(chat), 3 + 3 + 2, 'message framing + reply priming + content');
  t.equal(counter.input({ operation: 'embeddings', model: 'text-embedding-3-small', stream: false, includeUsage: false, input: [[1, 2, 3], [4, 5]] }), 5, 'token arrays count as themselves');
  t.equal(counter.input({ operation: 'embeddings', model: 'text-embedding-3-small', stream: false, includeUsage: false, input: ['Hello world', 'Hello world'] }), 4);
});

t.test('periods are UTC calendar periods', async (t) => {
  const at = Date.UTC(2025, 0, 31, 23, 59);
  t.same(periodOf('daily', at), { id: 'd20250131', start: Date.UTC(2025, 0, 31), end: Date.UTC(2025, 1, 1) });
  t.same(periodOf('monthly', at), { id: 'm202501', start: Date.UTC(2025, 0, 1), end: Date.UTC(2025, 1, 1) });
  t.same(periodOf('total', at), { id: 'total', start: 0, end: Infinity });
});
