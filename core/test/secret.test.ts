// Secret cannot leak by accident; scrubSecrets removes credentials from text a client or a log may see.
import { format, inspect } from 'node:util';
import t from 'tap';
import { Secret, scrubSecrets } from '@sluice/core';

// Key-shaped test values are assembled at run time, so no committed line looks like a real provider key.
const GEMINI_SHAPED = ['AIza', 'SyA1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q'].join('');
const VALUE = ['sk-proj-', 'Zq4xT7uV9wY2aB3cD5eF6gH8iJ0kL1mN'].join('');

t.test('Secret never shows its value', async (t) => {
  const secret = new Secret(VALUE);
  const renderings: [string, string][] = [
    ['JSON.stringify', JSON.stringify(secret)],
    ['JSON.stringify nested', JSON.stringify({ channel: { keys: [secret] } })],
    ['String()', String(secret)],
    ['template literal', `${secret}`],
    ['concatenation', 'key=' + secret],
    ['util.inspect', inspect(secret)],
    ['util.inspect nested, deep', inspect({ a: { b: { c: [secret] } } }, { depth: Infinity })],
    ['util.inspect showHidden', inspect(secret, { showHidden: true })],
    ['util.inspect without custom inspect', inspect(secret, { customInspect: false, showHidden: true })],
    ['format %s', format('%s', secret)],
    ['format %o', format('%o', secret)],
    ['format %O', format('%O', { secret })],
    ['format %j', format('%j', { secret })],
    ['format plain', format('key', secret)],
    ['Object.keys', JSON.stringify(Object.keys(secret))],
    ['Object.entries', JSON.stringify(Object.entries(secret))],
    ['spread', JSON.stringify({ ...secret })],
    ['structuredClone', JSON.stringify(structuredClone({ ...secret }))],
  ];
  for (const [how, text] of renderings) {
    t.notMatch(text, VALUE, `${how}: ${text}`);
    t.notMatch(text, 'Zq4xT7', `${how}: not even a part`);
  }
  t.equal(JSON.stringify(secret), '"[REDACTED]"');
  t.equal(String(secret), '[REDACTED]');
  t.equal(inspect(secret), '[REDACTED]');
});

t.test('reveal() is the one way to read it', async (t) => {
  t.equal(new Secret(VALUE).reveal(), VALUE);
  t.equal(new Secret('').reveal(), '');
});

t.test('an Error carrying a Secret does not print it', async (t) => {
  const error = new Error('upstream auth failed', { cause: { key: new Secret(VALUE) } });
  t.notMatch(inspect(error), VALUE);
  t.notMatch(format('%s %o', error, error), VALUE);
});

t.test('scrubSecrets removes the given secrets, wherever they appear', async (t) => {
  const text = `Incorrect API key provided: my-custom-token-123. Header was "Bearer my-custom-token-123"; other=opaque.value+with$chars`;
  const out = scrubSecrets(text, ['my-custom-token-123', 'opaque.value+with$chars']);
  t.notMatch(out, 'my-custom-token-123');
  t.notMatch(out, 'opaque.value');
  t.equal(out, 'Incorrect API key provided: [REDACTED]. Header was "Bearer [REDACTED]"; other=[REDACTED]');
});

t.test('scrubSecrets accepts any iterable of secrets', async (t) => {
  const set = new Set(['token-aaaa', 'token-bbbb']);
  t.equal(scrubSecrets('token-aaaa and token-bbbb', set), '[REDACTED] and [REDACTED]');
  t.equal(scrubSecrets('nothing to hide', []), 'nothing to hide');
});

t.test('scrubSecrets removes provider-key-shaped strings it was not told about', async (t) => {
  const cases: [string, string][] = [
    ['OpenAI', ['sk-', 'abc123def456ghi789jkl012mno345pqr678'].join('')],
    ['OpenAI project', 'sk-proj-AbCdEf_GhIjKl-MnOpQrStUvWxYz0123456789'],
    ['Anthropic', 'sk-ant-api03-AbCdEfGhIjKlMnOpQrStUvWxYz-0123456789_abcdefAA'],
    ['Gemini', GEMINI_SHAPED],
    ['masked (OpenAI echo)', 'sk-abcd****wxyz'],
    ['masked long', 'sk-proj-********************************************wxyz'],
  ];
  for (const [provider, key] of cases) {
    const out = scrubSecrets(`Incorrect API key provided: ${key}. You can find your API key at https://platform.openai.com.`, []);
    t.notMatch(out, key, provider);
    t.match(out, /^Incorrect API key provided: \[REDACTED\]\. You can find your API key at https:\/\/platform\.openai\.com\.$/, `${provider}: the rest is kept`);
  }
  t.equal(scrubSecrets(`{"key":"${GEMINI_SHAPED}"}`, []), '{"key":"[REDACTED]"}');
  t.equal(scrubSecrets('sk-abcd****wxyz sk-ant-xyz12345', []), '[REDACTED] [REDACTED]');
});

t.test('scrubSecrets leaves ordinary text alone', async (t) => {
  for (const text of ['the task-runner finished', 'risk-free', 'ask-me-anything', 'sk-123', 'AIza', 'model gpt-4o-mini']) {
    t.equal(scrubSecrets(text, []), text);
  }
});

t.test('scrubSecrets ignores very short "secrets" that would shred the text', async (t) => {
  t.equal(scrubSecrets('a b c', ['a', '']), 'a b c');
});
