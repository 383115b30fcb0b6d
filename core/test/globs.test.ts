// Model globs: one compiler, shared by auth (allowed models), router rules, quota (prices) and cache (models).
import t from 'tap';
import { globMatcher, globPattern } from '@sluice/core';

t.test('globMatcher', async (t) => {
  const match = globMatcher(['gpt-4o*', 'claude-*-sonnet', 'text-embedding-3-small']);
  for (const yes of ['gpt-4o', 'gpt-4o-mini', 'gpt-4o-2024-08-06', 'claude-3-5-sonnet', 'claude-x-sonnet', 'text-embedding-3-small']) t.ok(match(yes), yes);
  for (const no of ['gpt-4', 'gpt-4.1', 'my-gpt-4o', 'claude-3-5-sonnet-latest', 'claude-sonnet', 'text-embedding-3-large', 'text-embedding-3-small2', '']) t.notOk(match(no), no);
});

t.test('globMatcher: regex characters in globs are literal', async (t) => {
  const match = globMatcher(['gpt-4.1', 'a+b', 'x?', '(z)', '[q]', 'r|s', 'c^d$', 'back\\slash']);
  for (const yes of ['gpt-4.1', 'a+b', 'x?', '(z)', '[q]', 'r|s', 'c^d$', 'back\\slash']) t.ok(match(yes), yes);
  for (const no of ['gpt-401', 'aab', 'x', 'z', 'q', 'r', 's', 'cd']) t.notOk(match(no), no);
});

t.test('globMatcher: "*" alone matches everything; no globs match nothing', async (t) => {
  const all = globMatcher(['*']);
  t.ok(all('anything'));
  t.ok(all(''));
  const none = globMatcher([]);
  t.notOk(none('gpt-4o'));
});
t.test('globPattern is the single-glob form', async (t) => {
  t.ok(globPattern('gpt-4o*').test('gpt-4o-mini'));
  t.notOk(globPattern('gpt-4o*').test('my-gpt-4o'));
});
