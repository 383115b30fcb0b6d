import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { createGateway, type Gateway } from '@sluice/core';

/** Config paths resolve plugin package names from the repo root. */
export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const TEST_CONFIG_PATH = `${REPO_ROOT}test/gateway.test.yaml`;

export const TENANT_KEY = 'sk-sluice-test-tenant-key-0001';
export const UPSTREAM_KEY = 'sk-upstream-secret-a1b2c3d4e5f6a7b8c9d0e1f2a3b4c5d6';

export interface TestGateway {
  gateway: Gateway;
  url: string;
  /** Every log line the gateway wrote, raw. */
  logs: string[];
  stop(): Promise<void>;
}

/** Starts a gateway on a free loopback port from YAML text, capturing its logs. */
export async function startGateway(yaml: string, env: Record<string, string> = {}): Promise<TestGateway> {
  const logs: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      logs.push(...chunk.toString('utf8').split('\n').filter(Boolean));
      done();
    },
  });
  const gateway = await createGateway({ configText: yaml, configPath: TEST_CONFIG_PATH, env, port: 0, logDestination: sink });
  await gateway.start();
  return { gateway, url: gateway.url, logs, stop: () => gateway.stop() };
}

export interface ChannelSpec {
  name: string;
  baseUrl: string;
  models: string[];
  key?: string;
  priority?: number;
  extra?: string;
}

/** A realistic pipeline (auth → retry → router) in front of the given OpenAI-format channels. */
export function openaiConfig(channels: ChannelSpec[], options: { pipeline?: string; server?: string } = {}): string {
  const channelYaml = channels
    .map(
      (c) => `  - name: ${c.name}
    adapter: openai
    baseUrl: ${c.baseUrl}
    keys: ['${c.key ?? UPSTREAM_KEY}']
    models: [${c.models.join(', ')}]
    priority: ${c.priority ?? 0}
${c.extra ?? ''}`,
    )
    .join('\n');
  return `version: 1
server:
  host: 127.0.0.1
  ${options.server ?? 'keepAlive: 15s'}
logging: { level: info }
pipeline:
${options.pipeline ?? `  - use: '@sluice/auth'
  - use: '@sluice/retry'
    with: { maxAttempts: 3, backoff: 1ms, maxBackoff: 20ms }
  - use: '@sluice/router'`}
adapters: ['@sluice/adapter-openai', '@sluice/adapter-mock']
channels:
${channelYaml}
tenants:
  - id: acme
    keys:
      - key: ${TENANT_KEY}
        id: acme-test
`;
}
