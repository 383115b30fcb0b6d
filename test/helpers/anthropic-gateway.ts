import { TENANT_KEY, UPSTREAM_KEY } from './gateway.js';

export interface MixedChannel {
  name: string;
  adapter: 'anthropic' | 'openai';
  baseUrl: string;
  /** Public names, or `public=upstream` to map a public name to the upstream's. */
  models: string[];
  key?: string;
  priority?: number;
  options?: string;
}

/** auth → retry → router in front of Anthropic and OpenAI channels; the Anthropic package adds /v1/messages. */
export function mixedConfig(channels: MixedChannel[], options: { retry?: boolean; server?: string } = {}): string {
  const models = (list: string[]): string =>
    list.map((m) => (m.includes('=') ? `{ name: ${m.split('=')[0]}, upstream: ${m.split('=')[1]} }` : m)).join(', ');
  const channelYaml = channels
    .map(
      (c) => `  - name: ${c.name}
    adapter: ${c.adapter}
    baseUrl: ${c.baseUrl}
    keys: ['${c.key ?? UPSTREAM_KEY}']
    models: [${models(c.models)}]
    priority: ${c.priority ?? 0}
${c.options ? `    options: ${c.options}\n` : ''}`,
    )
    .join('');
  return `version: 1
server:
  host: 127.0.0.1
  ${options.server ?? 'keepAlive: 15s'}
logging: { level: info }
pipeline:
  - use: '@sluice/auth'
${options.retry === false ? '' : `  - use: '@sluice/retry'
    with: { maxAttempts: 3, backoff: 1ms, maxBackoff: 20ms }
`}  - use: '@sluice/router'
adapters: ['@sluice/adapter-openai', '@sluice/adapter-anthropic']
channels:
${channelYaml}tenants:
  - id: acme
    keys:
      - key: ${TENANT_KEY}
        id: acme-test
`;
}
