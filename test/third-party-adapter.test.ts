// The plugin boundary as a third party meets it: examples/echo-adapter is its own package (outside the workspaces,
// built with its own tsconfig), named by path in gateway.yaml, serving the official OpenAI SDK, and passing the
// conformance suite as built — the same files the gateway loads.
import t, { type Test } from 'tap';
import { execFile } from 'node:child_process';
import { Writable } from 'node:stream';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import OpenAI from 'openai';
import { createGateway, type Adapter, type Gateway } from '@sluice/core';
import { runAdapterConformance } from '@sluice/adapter-testkit';
import { REPO_ROOT, TENANT_KEY } from './helpers/gateway.js';

const EXAMPLE = `${REPO_ROOT}examples/echo-adapter/`;
const ECHO_KEY = 'echo-key-5b1d9e7a3c2f';

// `npm run build` in the example, with the repo's TypeScript: the gateway loads the compiled package, not sources.
await promisify(execFile)(process.execPath, [`${REPO_ROOT}node_modules/typescript/bin/tsc`, '-p', EXAMPLE]);
const { startEchoUpstream } = (await import(pathToFileURL(`${EXAMPLE}dist/upstream.js`).href)) as {
  startEchoUpstream(options: { key: string }): Promise<{ url: string; readonly requests: number; close(): Promise<void> }>;
};
const echo = ((await import(pathToFileURL(`${EXAMPLE}dist/index.js`).href)) as { default: Adapter<{ shout: boolean }> }).default;

const upstream = await startEchoUpstream({ key: ECHO_KEY });
t.teardown(() => upstream.close());
const silent = new Writable({ write: (_c, _e, done) => done() });

function rootConfig(adapterPath: string): string {
  return `version: 1
server: { host: 127.0.0.1 }
pipeline:
  - use: '@sluice/auth'
  - use: '@sluice/router'
adapters: ['${adapterPath}']
channels:
  - name: echo
    adapter: echo
    baseUrl: ${upstream.url}
    keys: ['${ECHO_KEY}']
    models: [{ name: echo, upstream: echo-1 }]
    options: { shout: true }
tenants:
  - id: acme
    keys: [{ key: ${TENANT_KEY}, id: acme-test }]
`;
}

async function started(gateway: Gateway, t: Test): Promise<OpenAI> {
  await gateway.start();
  t.teardown(() => gateway.stop());
  return new OpenAI({ baseURL: `${gateway.url}/v1`, apiKey: TENANT_KEY, maxRetries: 0 });
}

t.test('a config in the repo root names ./examples/echo-adapter by path; the OpenAI SDK chats through it', async (t) => {
  const gateway = await createGateway({
    configText: rootConfig('./examples/echo-adapter/dist/index.js'),
    configPath: `${REPO_ROOT}gateway.echo.yaml`, // relative adapter paths resolve against this file's folder
    port: 0,
    logDestination: silent,
  });
  const client = await started(gateway, t);

  const completion = await client.chat.completions.create({ model: 'echo', messages: [{ role: 'user', content: 'hello there' }] });
  t.equal(completion.choices[0]?.message.content, 'YOU SAID: HELLO THERE', "the channel's options reached the adapter (shout)");
  t.equal(completion.choices[0]?.finish_reason, 'stop');
  t.match(completion.usage, { prompt_tokens: 2, completion_tokens: 4 }, 'Echo counts words; the adapter maps them to usage');

  const stream = await client.chat.completions.create({
    model: 'echo',
    stream: true,
    stream_options: { include_usage: true },
    messages: [{ role: 'system', content: 'be brief' }, { role: 'user', content: 'stream me' }],
  });
  let text = '';
  let usage: unknown;
  for await (const chunk of stream) {
    text += chunk.choices[0]?.delta.content ?? '';
    if (chunk.usage) usage = chunk.usage;
  }
  t.equal(text, 'YOU SAID: STREAM ME', "Echo's word events become OpenAI deltas");
  t.match(usage, { prompt_tokens: 4, completion_tokens: 4 });

  const { response } = await client.chat.completions
    .create({ model: 'echo', temperature: 0.5, messages: [{ role: 'user', content: 'hi' }], tools: [{ type: 'function', function: { name: 'f' } }] })
    .withResponse();
  t.equal(response.headers.get('x-sluice-dropped'), 'tools, temperature', "what Echo cannot carry is reported to the client");
});

t.test("the example's own gateway.yaml loads the adapter from its folder and serves", async (t) => {
  const gateway = await createGateway({
    configPath: `${EXAMPLE}gateway.yaml`,
    env: { ECHO_URL: upstream.url, ECHO_KEY },
    port: 0,
    logDestination: silent,
  });
  await gateway.start();
  t.teardown(() => gateway.stop());
  const client = new OpenAI({ baseURL: `${gateway.url}/v1`, apiKey: 'sk-echo-demo', maxRetries: 0 });
  const completion = await client.chat.completions.create({ model: 'echo', messages: [{ role: 'user', content: 'from the example' }] });
  t.equal(completion.choices[0]?.message.content, 'You said: from the example');
});

t.test('the built example passes the adapter testkit', (t) =>
  runAdapterConformance(t, {
    adapter: echo,
    options: { shout: false },
    cases: new URL(`${pathToFileURL(EXAMPLE).href}test/fixtures/echo/`),
    unmappedKinds: { content_filter: 'Echo repeats what it hears; it has no content filter' },
  }),
);

t.test(
  'naming the package folder itself (./examples/echo-adapter) loads its package.json entry',
  async (t) => {
    const gateway = await createGateway({ configText: rootConfig('./examples/echo-adapter'), configPath: `${REPO_ROOT}gateway.echo.yaml`, port: 0, logDestination: silent });
    const client = await started(gateway, t);
    const completion = await client.chat.completions.create({ model: 'echo', messages: [{ role: 'user', content: 'folder' }] });
    t.equal(completion.choices[0]?.message.content, 'YOU SAID: FOLDER');
  },
);
