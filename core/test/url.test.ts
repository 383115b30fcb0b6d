// upstreamUrl: an adapter path joined to a channel's base URL can never leave that base URL.
import t from 'tap';
import { upstreamUrl } from '../src/dispatch/url.js';

/** The type of a subtest's `t`. */
type Subtest = Parameters<Parameters<typeof t.test>[0]>[0];

const BASE = new URL('https://api.example.com/v1');

t.test('joins and keeps the base path', async (t) => {
  t.equal(upstreamUrl(BASE, '/chat/completions').href, 'https://api.example.com/v1/chat/completions');
  t.equal(upstreamUrl(new URL('https://api.example.com/v1/'), '/embeddings').href, 'https://api.example.com/v1/embeddings', 'trailing slash on the base');
  t.equal(upstreamUrl(new URL('https://api.example.com'), '/v1/models').href, 'https://api.example.com/v1/models', 'base without a path');
  t.equal(
    upstreamUrl(new URL('https://res.openai.azure.com/openai/deployments/gpt-4o'), '/chat/completions').href,
    'https://res.openai.azure.com/openai/deployments/gpt-4o/chat/completions',
  );
  t.equal(upstreamUrl(new URL('http://127.0.0.1:8081/base'), '/x').href, 'http://127.0.0.1:8081/base/x', 'port kept');
});

t.test('a model name in the path stays a path segment', async (t) => {
  const base = new URL('https://generativelanguage.googleapis.com/v1beta');
  t.equal(
    upstreamUrl(base, '/models/gemini-2.0-flash:streamGenerateContent').href,
    'https://generativelanguage.googleapis.com/v1beta/models/gemini-2.0-flash:streamGenerateContent',
  );
  const url = upstreamUrl(base, `/models/${encodeURIComponent('evil.com/../../x')}:generateContent`);
  t.equal(url.host, 'generativelanguage.googleapis.com');
  t.ok(url.pathname.startsWith('/v1beta/models/'), url.pathname);
});

t.test('query parameters are appended (and encoded)', async (t) => {
  const url = upstreamUrl(BASE, '/models/x:streamGenerateContent', { alt: 'sse', key: 'a b&c=d' });
  t.equal(url.pathname, '/v1/models/x:streamGenerateContent');
  t.equal(url.searchParams.get('alt'), 'sse');
  t.equal(url.searchParams.get('key'), 'a b&c=d');
  t.equal(url.search, '?alt=sse&key=a+b%26c%3Dd');
  t.equal(upstreamUrl(BASE, '/chat/completions', {}).search, '');
});

const rejects = (t: Subtest, base: URL, path: string): void => {
  t.throws(() => upstreamUrl(base, path), { code: 'SLUICE_ERR_INVALID_REQUEST' }, `refuses ${JSON.stringify(path)}`);
};

t.test('refuses paths that change the host or leave the base path', async (t) => {
  for (const path of [
    '//evil.com/x',
    '///evil.com/x',
    '/../x',
    '/..',
    '/./x',
    '/a/../../b',
    '/a/..',
    '\\\\evil.com\\x',
    '/\\evil.com/x',
    '/a\\..\\..\\b',
    'http://evil',
    'https://evil.com/v1/chat',
    'evil.com/x',
    'chat/completions',
    '',
    '@evil.com/x',
  ]) {
    rejects(t, BASE, path);
  }
});

t.test('the result is always on the base origin, under the base path', async (t) => {
  // Whatever gets through the syntactic checks, the URL parser's own interpretation is what is checked.
  for (const path of ['/%2e%2e/x', '/%2E%2E/x', '/.%2e/x', '/%2e./x', '/a/%2e%2e/%2e%2e/x', '/%2e%2e', '/.\t./x', '/.\n./x']) {
    let url: URL | undefined;
    try {
      url = upstreamUrl(BASE, path);
    } catch (error) {
      t.match(error, { code: 'SLUICE_ERR_INVALID_REQUEST' }, `refused ${JSON.stringify(path)}`);
      continue;
    }
    t.equal(url.origin, BASE.origin, `${JSON.stringify(path)} keeps the origin`);
    t.ok(url.pathname === '/v1' || url.pathname.startsWith('/v1/'), `${JSON.stringify(path)} stays under /v1 (got ${url.pathname})`);
  }
});

t.test('encoded dot segments cannot reach a sibling path that merely shares the prefix', async (t) => {
  // /v1-admin starts with "/v1" but is not under /v1/.
  for (const path of ['/%2e%2e/v1-admin/keys', '/%2e%2e/v1admin', '/.%2E/v1.evil/x']) {
    let url: URL | undefined;
    try {
      url = upstreamUrl(BASE, path);
    } catch {
      t.pass(`refused ${path}`);
      continue;
    }
    t.fail(`${path} escaped the base path to ${url.pathname}`);
  }
});

t.test('dots inside a segment are fine', async (t) => {
  t.equal(upstreamUrl(BASE, '/models/gpt-4.1').pathname, '/v1/models/gpt-4.1');
  t.equal(upstreamUrl(BASE, '/models/..hidden').pathname, '/v1/models/..hidden');
  t.equal(upstreamUrl(BASE, '/a...b').pathname, '/v1/a...b');
});
