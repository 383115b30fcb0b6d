// gateway.yaml: parsing, ${ENV} interpolation, schema validation with YAML paths and lines, plugin/adapter loading.
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import t from 'tap';
import { loadGateway } from '@sluice/core';
import { parseConfigText } from '../src/config/load.js';
import { fragmentsSchema, gatewaySchema } from '../src/config/schema.js';
import type { ConfigIssue } from '../src/config/validate.js';

const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
/** Inside the repo, so @sluice/* packages resolve; relative plugin paths resolve against core/test/fixtures/. */
const CONFIG_PATH = fileURLToPath(new URL('./fixtures/gateway.yaml', import.meta.url));

interface ConfigErrorLike extends Error {
  issues: readonly ConfigIssue[];
}

function asConfigError(error: unknown): ConfigErrorLike {
  if (error instanceof Error && error.name === 'ConfigError' && Array.isArray((error as Partial<ConfigErrorLike>).issues)) {
    return error as ConfigErrorLike;
  }
  throw new Error(`expected a ConfigError, got: ${String(error)}`, { cause: error });
}

function configError(fn: () => unknown): ConfigErrorLike {
  try {
    fn();
  } catch (error) {
    return asConfigError(error);
  }
  throw new Error('expected a ConfigError, but the config was accepted');
}

async function loadError(promise: Promise<unknown>): Promise<ConfigErrorLike> {
  try {
    await promise;
  } catch (error) {
    return asConfigError(error);
  }
  throw new Error('expected a ConfigError, but the gateway loaded');
}

const parse = (text: string, env: Record<string, string | undefined> = {}) => parseConfigText(text, CONFIG_PATH, env);

const MINIMAL = `version: 1
pipeline: []
channels:
  - name: mock-1
    adapter: mock
    models: [mock-gpt]
`;

t.test('a minimal config gets every default', async (t) => {
  const { config } = parse(MINIMAL);
  t.strictSame(config.server, {
    host: '0.0.0.0',
    port: 8080,
    bodyLimitBytes: 20 * 1024 * 1024,
    shutdownGraceMs: 30_000,
    keepAliveMs: 15_000,
    trustProxy: false,
  });
  t.strictSame(config.logging, { level: 'info' });
  t.strictSame(config.state, {});
  t.strictSame(config.adapters, []);
  t.strictSame(config.tenants, []);
  t.equal(config.sourcePath, CONFIG_PATH);
  t.strictSame(config.channels, [
    {
      name: 'mock-1',
      adapter: 'mock',
      keys: [],
      models: [{ name: 'mock-gpt', upstream: 'mock-gpt' }],
      groups: ['default'],
      priority: 0,
      weight: 1,
      enabled: true,
      strict: false,
      timeouts: { connectMs: 10_000, firstByteMs: 60_000, idleMs: 60_000, totalMs: 600_000 },
      headers: {},
      options: {},
      path: 'channels[0]',
    },
  ]);
});

t.test('units, model mapping, tenants and pipeline entries are compiled', async (t) => {
  const { config } = parse(`version: 1
server: { port: 9000, bodyLimit: 512kb, shutdownGrace: 5s, keepAlive: 250ms, trustProxy: true }
pipeline:
  - use: '@sluice/auth'
  - use: '@sluice/retry'
    with: { maxAttempts: 2 }
channels:
  - name: up
    adapter: openai
    baseUrl: https://api.example.com/v1///
    keys: ['sk-one', '', '  ']
    models: [a, { name: public, upstream: private-2024 }]
    priority: 5
    weight: 3
    timeouts: { connect: 1s, total: 2m }
tenants:
  - id: acme
    group: pro
    keys:
      - key: sk-acme-key-123
        models: ['gpt-*']
        expires: '2030-01-01T00:00:00Z'
`);
  t.equal(config.server.port, 9000);
  t.equal(config.server.bodyLimitBytes, 512 * 1024);
  t.equal(config.server.shutdownGraceMs, 5000);
  t.equal(config.server.keepAliveMs, 250);
  t.equal(config.server.trustProxy, true);
  t.strictSame(config.pipeline, [
    { use: '@sluice/auth', with: {}, path: 'pipeline[0]' },
    { use: '@sluice/retry', with: { maxAttempts: 2 }, path: 'pipeline[1]' },
  ]);
  const channel = config.channels[0];
  t.equal(channel?.baseUrl, 'https://api.example.com/v1', 'trailing slashes dropped');
  t.strictSame(channel?.keys, ['sk-one'], 'blank keys dropped');
  t.strictSame(channel?.models, [
    { name: 'a', upstream: 'a' },
    { name: 'public', upstream: 'private-2024' },
  ]);
  t.strictSame(channel?.timeouts, { connectMs: 1000, firstByteMs: 60_000, idleMs: 60_000, totalMs: 120_000 });
  t.equal(channel?.priority, 5);
  t.equal(channel?.weight, 3);
  const key = config.tenants[0]?.keys[0];
  t.equal(config.tenants[0]?.group, 'pro');
  t.equal(key?.expiresAt, Date.parse('2030-01-01T00:00:00Z'));
  t.strictSame(key?.models, ['gpt-*']);
  t.equal(key?.enabled, true);
});

t.test('${VAR} and ${VAR:-default} interpolation', async (t) => {
  const text = `version: 1
server:
  port: \${PORT}
  adminKey: \${ADMIN:-fallback-admin}
  host: \${HOST:-127.0.0.1}
logging: { level: '\${LEVEL:-warn}' }
pipeline: []
channels:
  - name: c
    adapter: openai
    baseUrl: 'https://\${UPSTREAM_HOST}/v1'
    keys: ['\${KEY_A}', 'prefix-\${KEY_B}-suffix', '\${EMPTY}']
    models: [m]
`;
  const { config } = parse(text, { PORT: '9090', UPSTREAM_HOST: 'up.example.com', KEY_A: 'sk-a', KEY_B: 'b', EMPTY: '', HOST: '' });
  t.equal(config.server.port, 9090, 'a numeric env string is coerced to the integer the schema wants');
  t.equal(config.server.adminKey, 'fallback-admin', 'unset → default');
  t.equal(config.server.host, '127.0.0.1', 'set but empty → default (":-" semantics)');
  t.equal(config.logging.level, 'warn');
  t.equal(config.channels[0]?.baseUrl, 'https://up.example.com/v1');
  t.strictSame(config.channels[0]?.keys, ['sk-a', 'prefix-b-suffix'], '${EMPTY} set to "" is allowed and then dropped as blank');
});

t.test('interpolation works on values, not text: env values cannot inject YAML or further references', async (t) => {
  const { config } = parse(
    `version: 1
server: { adminKey: '\${ADMIN}' }
pipeline: []
channels:
  - { name: c, adapter: mock, models: [m], keys: ['\${KEY}'] }
`,
    { ADMIN: "x'\nchannels: []\n#", KEY: '${OTHER}' },
  );
  t.equal(config.server.adminKey, "x'\nchannels: []\n#");
  t.equal(config.channels.length, 1);
  t.strictSame(config.channels[0]?.keys, ['${OTHER}'], 'not interpolated twice');
});

t.test('$${ escapes a literal ${', async (t) => {
  const { config } = parse(
    `version: 1
pipeline: []
channels:
  - name: c
    adapter: mock
    models: [m]
    headers: { x-template: 'a $\${NOT_A_VAR} b', x-mixed: '$\${X}-\${X}', x-dollar: 'cost $$5' }
`,
    { X: 'v' },
  );
  t.strictSame(config.channels[0]?.headers, { 'x-template': 'a ${NOT_A_VAR} b', 'x-mixed': '${X}-v', 'x-dollar': 'cost $$5' });
});

t.test('an unset variable without a default is an error naming the path and line', async (t) => {
  const error = configError(() =>
    parse(`version: 1
pipeline: []
channels:
  - name: c
    adapter: openai
    baseUrl: https://api.example.com/v1
    keys:
      - \${OPENAI_API_KEY}
    models: [m]
`),
  );
  t.equal(error.issues.length, 1);
  t.match(error.issues[0], { path: 'channels[0].keys[0]', line: 8 });
  t.match(error.issues[0]?.message, /OPENAI_API_KEY/);
  t.match(error.message, /channels\[0\]\.keys\[0\]: environment variable OPENAI_API_KEY is not set \(line 8\)/);
  t.match(error.message, CONFIG_PATH, 'the file is named');
});

t.test('an unknown key is reported with its path and line', async (t) => {
  const error = configError(() =>
    parse(`version: 1
server:
  port: 8080
  prot: 9090
pipeline: []
channels: []
`),
  );
  t.strictSame(
    error.issues.map(({ path, message, line }) => ({ path, message, line })),
    [{ path: 'server.prot', message: 'unknown key', line: 4 }],
  );
  t.match(error.message, 'server.prot: unknown key (line 4)');
});

t.test('unknown keys deeper down: a channel and a tenant key', async (t) => {
  const error = configError(() =>
    parse(`version: 1
pipeline: []
channels:
  - name: c
    adapter: mock
    models: [m]
    wieght: 2
tenants:
  - id: t1
    keys:
      - key: sk-tenant-key-1
        modles: [x]
`),
  );
  t.same(
    error.issues.map(({ path, line }) => ({ path, line })),
    [
      { path: 'channels[0].wieght', line: 7 },
      { path: 'tenants[0].keys[0].modles', line: 12 },
    ],
  );
});

t.test('wrong types and formats name the path', async (t) => {
  const withNotObject = configError(() =>
    parse(`version: 1
pipeline:
  - use: '@sluice/auth'
    with: 5
channels: []
`),
  );
  t.match(withNotObject.issues, [{ path: 'pipeline[0].with', message: /must be object/, line: 4 }]);

  const grace = configError(() =>
    parse(`version: 1
server:
  shutdownGrace: 5x
pipeline: []
channels: []
`),
  );
  t.match(grace.issues, [{ path: 'server.shutdownGrace', message: /duration/, line: 3 }]);
  t.match(grace.message, 'server.shutdownGrace');

  const several = configError(() =>
    parse(`version: 1
server: { port: 70000, bodyLimit: 20 megs }
logging: { level: loud }
pipeline: []
channels:
  - name: 'bad name!'
    adapter: openai
    baseUrl: ftp://files.example.com
    models: []
    weight: 0
`),
  );
  const paths = several.issues.map((i) => i.path).sort();
  t.strictSame(paths, [
    'channels[0].baseUrl',
    'channels[0].models',
    'channels[0].name',
    'channels[0].weight',
    'logging.level',
    'server.bodyLimit',
    'server.port',
  ]);
  t.match(several.issues.find((i) => i.path === 'logging.level')?.message, /must be one of: fatal, error, warn, info, debug, trace, silent/);
  for (const issue of several.issues) t.type(issue.line, 'number', `${issue.path} has a line`);
});

t.test('required keys: missing ones are reported on their parent line', async (t) => {
  const error = configError(() =>
    parse(`version: 1
pipeline: []
channels:
  - name: c
    adapter: mock
`),
  );
  t.match(error.issues, [{ path: 'channels[0].models', message: 'is required', line: 4 }]);

  const root = configError(() => parse('version: 1\n'));
  t.same(root.issues.map((i) => i.path).sort(), ['channels', 'pipeline']);
});

t.test('duplicate channel names, tenant ids and tenant keys', async (t) => {
  const error = configError(() =>
    parse(`version: 1
pipeline: []
channels:
  - { name: a, adapter: mock, models: [m] }
  - { name: b, adapter: mock, models: [m] }
  - { name: a, adapter: mock, models: [m] }
tenants:
  - { id: t1, keys: [{ key: sk-same-key-1 }] }
  - { id: t1, keys: [{ key: sk-other-key }] }
  - { id: t2, keys: [{ key: sk-same-key-1 }] }
`),
  );
  t.match(error.issues, [
    { path: 'channels[2].name', message: /duplicate channel name "a".*channels\[0\]/, line: 6 },
    { path: 'tenants[1].id', message: /duplicate tenant "t1"/, line: 9 },
    { path: 'tenants[2].keys[0].key', message: /same key/, line: 10 },
  ]);
  t.notMatch(error.message, 'sk-same-key-1', 'the duplicated key itself is not printed');
});

t.test('YAML syntax errors carry a line', async (t) => {
  const error = configError(() =>
    parse(`version: 1
pipeline: []
channels:
  - name: [unclosed
`),
  );
  t.ok(error.issues.length >= 1);
  t.match(error.issues[0], { message: /^YAML: / });
  t.type(error.issues[0]?.line, 'number');
  t.ok((error.issues[0]?.line ?? 0) >= 4, 'the line of the problem, not line 1');

  const duplicate = configError(() => parse('version: 1\npipeline: []\nchannels: []\npipeline: []\n'));
  t.match(duplicate.issues, [{ message: /YAML: .*unique/, line: 4 }], 'duplicate keys are an error, not last-wins');
});

t.test('a top-level value that is not a mapping', async (t) => {
  const error = configError(() => parse('- just\n- a list\n'));
  t.ok(error.issues.length > 0);
});

t.test('schemas/*.json are in sync with core/src/config/schema.ts (npm run schemas)', async (t) => {
  for (const [file, schema] of [
    ['gateway.schema.json', gatewaySchema],
    ['fragments.schema.json', fragmentsSchema],
  ] as const) {
    let text: string;
    try {
      text = await readFile(`${REPO_ROOT}schemas/${file}`, 'utf8');
    } catch {
      t.fail(`schemas/${file} is missing: run npm run schemas`);
      continue;
    }
    t.strictSame(JSON.parse(text), JSON.parse(JSON.stringify(schema)), `schemas/${file} matches (run npm run schemas)`);
  }
});

// ---- loadGateway: plugins, adapters, their options ----

const gateway = (body: string): string => `version: 1
${body}
`;

t.test('loadGateway: packages and a relative-path plugin load; plugin defaults are applied', async (t) => {
  const loaded = await loadGateway({
    configPath: CONFIG_PATH,
    env: {},
    configText: gateway(`pipeline:
  - use: '@sluice/auth'
  - use: ./greeter-plugin.mjs
    with: { times: 2 }
  - use: '@sluice/retry'
  - use: '@sluice/router'
adapters: ['@sluice/adapter-mock', '@sluice/adapter-openai']
channels:
  - { name: m, adapter: mock, models: [mock-gpt] }
  - { name: o, adapter: openai, baseUrl: 'https://api.openai.com/v1', models: [gpt-4o] }
  - { name: off, adapter: mock, models: [mock-gpt], enabled: false }`),
  });
  t.strictSame(
    loaded.plugins.map((p) => p.plugin.name),
    ['@sluice/auth', 'fixture-greeter', '@sluice/retry', '@sluice/router'],
  );
  t.strictSame(loaded.pluginOptions[1], { greeting: 'hello', times: 2 }, 'the plugin schema filled in its default');
  t.strictSame(loaded.pluginOptions[2], { maxAttempts: 3, backoff: '100ms', maxBackoff: '5s', deadline: '60s' });
  t.strictSame(loaded.config.pipeline[1]?.with, { times: 2 }, 'the config entry itself is not mutated by defaults');
  t.strictSame(
    loaded.channels.all().map((c) => c.name),
    ['m'],
    'the openai channel without keys and the disabled one are not in service',
  );
  t.strictSame(
    loaded.inactiveChannels.map((c) => c.name).sort(),
    ['o', 'off'],
  );
  t.strictSame(loaded.channels.get('m')?.options, { firstTokenDelayMs: 0, tokenDelayMs: 0, dimensions: 64 }, 'adapter option defaults applied');
});

t.test('loadGateway: an unknown plugin package names it and pipeline[i].use', async (t) => {
  const error = await loadError(
    loadGateway({
      configPath: CONFIG_PATH,
      env: {},
      configText: gateway(`pipeline:
  - use: '@sluice/auth'
  - use: '@sluice/does-not-exist'
channels: []`),
    }),
  );
  t.match(error.issues, [{ path: 'pipeline[1].use', message: /plugin "@sluice\/does-not-exist" failed to load: .*(not found|cannot find)/i, line: 4 }]);
  t.match(error.message, 'pipeline[1].use');
});

t.test('loadGateway: a missing relative plugin, and a module that is not a plugin', async (t) => {
  const error = await loadError(
    loadGateway({
      configPath: CONFIG_PATH,
      env: {},
      configText: gateway(`pipeline:
  - use: ./no-such-plugin.mjs
  - use: ./not-a-plugin.mjs
channels: []`),
    }),
  );
  t.match(error.issues, [
    { path: 'pipeline[0].use', message: /no-such-plugin\.mjs.*(not found|cannot find)/i },
    { path: 'pipeline[1].use', message: /does not default-export a plugin/ },
  ]);
});

t.test('loadGateway: plugin options failing the plugin schema name pipeline[i].with.<key>', async (t) => {
  const error = await loadError(
    loadGateway({
      configPath: CONFIG_PATH,
      env: {},
      configText: gateway(`pipeline:
  - use: '@sluice/auth'
  - use: '@sluice/retry'
    with:
      maxAttempts: 0
      backoff: soon
      retries: 3
channels: []`),
    }),
  );
  const byPath = new Map(error.issues.map((i) => [i.path, i]));
  t.match(byPath.get('pipeline[1].with.maxAttempts'), { message: /must be >= 1/, line: 6 });
  t.match(byPath.get('pipeline[1].with.backoff'), { message: /duration/, line: 7 });
  t.match(byPath.get('pipeline[1].with.retries'), { message: 'unknown key', line: 8 });
  t.equal(error.issues.length, 3);
});

t.test('loadGateway: a channel naming an unknown adapter id', async (t) => {
  const error = await loadError(
    loadGateway({
      configPath: CONFIG_PATH,
      env: {},
      configText: gateway(`pipeline: []
adapters: ['@sluice/adapter-mock']
channels:
  - name: c
    adapter: anthropic
    models: [claude]`),
    }),
  );
  t.match(error.issues, [{ path: 'channels[0].adapter', message: /unknown adapter "anthropic".*mock/, line: 6 }]);
});

t.test('loadGateway: channel options are validated against the adapter schema; baseUrl required for HTTP adapters', async (t) => {
  const error = await loadError(
    loadGateway({
      configPath: CONFIG_PATH,
      env: {},
      configText: gateway(`pipeline: []
adapters: ['@sluice/adapter-openai', '@sluice/adapter-mock']
channels:
  - name: o
    adapter: openai
    keys: [sk-x]
    models: [gpt-4o]
  - name: m
    adapter: mock
    models: [x]
    options: { dimensions: 0, colour: red }`),
    }),
  );
  const paths = error.issues.map((i) => i.path).sort();
  t.strictSame(paths, ['channels[0].baseUrl', 'channels[1].options.colour', 'channels[1].options.dimensions']);
});

t.test('loadGateway: `requires` must come earlier in the pipeline', async (t) => {
  const error = await loadError(
    loadGateway({
      configPath: CONFIG_PATH,
      env: {},
      configText: gateway(`pipeline:
  - use: ./needs-auth-plugin.mjs
  - use: '@sluice/auth'
channels: []`),
    }),
  );
  t.match(error.issues, [{ path: 'pipeline[0].use', message: /fixture-needs-auth.*requires "@sluice\/auth" earlier/ }]);

  const ok = await loadGateway({
    configPath: CONFIG_PATH,
    env: {},
    configText: gateway(`pipeline:
  - use: '@sluice/auth'
  - use: ./needs-auth-plugin.mjs
channels: []`),
  });
  t.strictSame(ok.plugins.map((p) => p.plugin.name), ['@sluice/auth', 'fixture-needs-auth']);
});

t.test('loadGateway: the same plugin twice is refused', async (t) => {
  const error = await loadError(
    loadGateway({
      configPath: CONFIG_PATH,
      env: {},
      configText: gateway(`pipeline:
  - use: '@sluice/auth'
  - use: '@sluice/auth'
channels: []`),
    }),
  );
  t.match(error.issues, [{ path: 'pipeline[1].use', message: /appears twice/ }]);
});

t.test('loadGateway: every problem is reported at once', async (t) => {
  const error = await loadError(
    loadGateway({
      configPath: CONFIG_PATH,
      env: {},
      configText: gateway(`pipeline:
  - use: '@sluice/nope'
  - use: '@sluice/retry'
    with: { maxAttempts: 0 }
adapters: ['@sluice/adapter-nope']
channels:
  - { name: c, adapter: ghost, models: [m] }`),
    }),
  );
  t.strictSame(error.issues.map((i) => i.path).sort(), ['adapters[0]', 'channels[0].adapter', 'pipeline[0].use', 'pipeline[1].with.maxAttempts']);
});

t.test('the shipped gateway.yaml loads with an empty environment', async (t) => {
  const loaded = await loadGateway({ configPath: `${REPO_ROOT}gateway.yaml`, env: {} });
  t.ok(loaded.plugins.length > 0);
  t.ok(loaded.channels.all().length > 0, 'at least one channel (the mock) is in service without any key');
});
