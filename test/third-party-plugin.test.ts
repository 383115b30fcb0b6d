// A third-party plugin installed in node_modules next to gateway.yaml works by being named in the YAML.
import t from 'tap';
import { mkdtemp, mkdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { request } from 'undici';
import { createGateway } from '@sluice/core';
import { startOpenAIUpstream } from './mocks/openai-upstream.js';
import { openaiConfig, TENANT_KEY } from './helpers/gateway.js';

const PLUGIN = `
export default {
  name: 'sluice-plugin-stamp',
  version: '1.0.0',
  schema: { type: 'object', additionalProperties: false, properties: { value: { type: 'string', default: 'stamped' } } },
  requires: ['@sluice/auth'],
  async setup(api, options) {
    return async (ctx, next) => {
      ctx.responseHeaders['x-stamp'] = options.value + ':' + ctx.principal.tenant;
      ctx.note('sluice-plugin-stamp', 'stamped');
      return next();
    };
  },
};
`;

t.test('a package in node_modules beside the config is loaded by name, options validated and defaulted', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'sluice-3p-'));
  const pkg = join(dir, 'node_modules', 'sluice-plugin-stamp');
  await mkdir(pkg, { recursive: true });
  await writeFile(join(pkg, 'package.json'), JSON.stringify({ name: 'sluice-plugin-stamp', version: '1.0.0', type: 'module', exports: './index.js' }));
  await writeFile(join(pkg, 'index.js'), PLUGIN);
  const upstream = await startOpenAIUpstream();
  const yaml = openaiConfig([{ name: 'u', baseUrl: upstream.url, models: ['gpt-4o'] }], {
    pipeline: "  - use: '@sluice/auth'\n  - use: sluice-plugin-stamp\n  - use: '@sluice/router'",
  });
  const gateway = await createGateway({ configText: yaml, configPath: join(dir, 'gateway.yaml'), port: 0, logDestination: new Writable({ write: (_c, _e, d) => d() }) });
  await gateway.start();
  t.teardown(async () => {
    await gateway.stop();
    await upstream.close();
  });
  const response = await request(`${gateway.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${TENANT_KEY}` },
    body: JSON.stringify({ model: 'gpt-4o', messages: [{ role: 'user', content: 'x' }] }),
  });
  await response.body.dump();
  t.equal(response.statusCode, 200);
  t.equal(response.headers['x-stamp'], 'stamped:acme', 'the plugin ran, with its schema default applied');

  const misplaced = openaiConfig([{ name: 'u', baseUrl: upstream.url, models: ['gpt-4o'] }], {
    pipeline: "  - use: sluice-plugin-stamp\n  - use: '@sluice/auth'\n  - use: '@sluice/router'",
  });
  await t.rejects(
    createGateway({ configText: misplaced, configPath: join(dir, 'gateway.yaml') }),
    /pipeline\[0\]\.use: plugin "sluice-plugin-stamp" requires "@sluice\/auth" earlier in the pipeline/,
  );
});
