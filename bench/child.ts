/**
 * One benchmark server process: `child.ts <role> <options-json>`, forked by run.ts with `--import tsx`.
 * Reports `ready` with its URL over IPC, answers `cpu` with its cumulative CPU counters, and exits on `stop`,
 * SIGINT/SIGTERM, or when the parent goes away (IPC disconnect).
 */
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { createGateway } from '@sluice/core';
import { startOpenAIUpstream } from '../test/mocks/openai-upstream.js';
import { startBareProxy } from './bare-proxy.js';
import { isParentMessage, type ChildMessage, type ChildOptions, type CpuSample, type Role } from './protocol.js';

const BENCH_DIR = fileURLToPath(new URL('.', import.meta.url));

function send(message: ChildMessage): void {
  process.send?.(message);
}

function sample(): CpuSample {
  const cpu = process.cpuUsage();
  const loop = performance.eventLoopUtilization();
  return { userUs: cpu.user, systemUs: cpu.system, loopActiveMs: loop.active, loopIdleMs: loop.idle };
}

/** The realistic pipeline the bar is about: auth → retry → router → openai adapter. */
export function gatewayYaml(o: Required<Pick<ChildOptions, 'upstreamUrl' | 'upstreamKey' | 'tenantKey' | 'logLevel' | 'model'>>): string {
  return `version: 1
server:
  host: 127.0.0.1
  port: 0
  shutdownGrace: 1s
logging:
  level: ${o.logLevel}
pipeline:
  - use: '@sluice/auth'
  - use: '@sluice/retry'
    with: { maxAttempts: 3 }
  - use: '@sluice/router'
adapters:
  - '@sluice/adapter-openai'
channels:
  - name: bench-upstream
    adapter: openai
    baseUrl: ${o.upstreamUrl}
    keys: ['${o.upstreamKey}']
    models: [${o.model}]
tenants:
  - id: bench
    group: default
    keys:
      - key: ${o.tenantKey}
        id: bench-key
`;
}

async function start(role: Role, o: ChildOptions): Promise<{ url: string; info: string; close: () => Promise<void> }> {
  switch (role) {
    case 'upstream': {
      const upstream = await startOpenAIUpstream({
        record: false,
        chunkDelayMs: 0,
        ...(o.reply !== undefined && { reply: o.reply }),
        ...(o.upstreamKey !== undefined && { apiKey: o.upstreamKey }),
      });
      return { url: upstream.url, info: 'mock OpenAI upstream', close: () => upstream.close() };
    }
    case 'proxy': {
      const proxy = await startBareProxy(required(o.upstreamUrl, 'upstreamUrl'));
      return { url: proxy.url, info: `bare proxy (undici ${proxy.undiciVersion})`, close: () => proxy.close() };
    }
    case 'gateway': {
      const gateway = await createGateway({
        configPath: `${BENCH_DIR}gateway.bench.yaml`, // not read: it only anchors package resolution in the repo
        configText: gatewayYaml({
          upstreamUrl: required(o.upstreamUrl, 'upstreamUrl'),
          upstreamKey: required(o.upstreamKey, 'upstreamKey'),
          tenantKey: required(o.tenantKey, 'tenantKey'),
          logLevel: o.logLevel ?? 'warn',
          model: required(o.model, 'model'),
        }),
        env: {},
        port: 0,
      });
      await gateway.start();
      return { url: gateway.url, info: `gateway (log level ${gateway.config.logging.level})`, close: () => gateway.stop() };
    }
  }
}

function required(value: string | undefined, name: string): string {
  if (value === undefined) throw new Error(`child option ${name} is required`);
  return value;
}

async function main(): Promise<void> {
  const role = process.argv[2];
  if (role !== 'upstream' && role !== 'proxy' && role !== 'gateway') throw new Error(`unknown role ${String(role)}`);
  const options = JSON.parse(process.argv[3] ?? '{}') as ChildOptions;
  const server = await start(role, options);

  let stopping = false;
  const shutdown = (): void => {
    if (stopping) return;
    stopping = true;
    const timer = setTimeout(() => process.exit(0), 3000);
    timer.unref();
    server.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on('message', (message: unknown) => {
    if (!isParentMessage(message)) return;
    if (message.type === 'cpu') send({ type: 'cpu', id: message.id, sample: sample() });
    else shutdown();
  });
  process.on('disconnect', shutdown);
  process.on('SIGINT', shutdown);
  process.on('SIGTERM', shutdown);
  send({ type: 'ready', url: server.url, info: server.info });
}

main().catch((error: unknown) => {
  send({ type: 'failed', message: error instanceof Error ? (error.stack ?? error.message) : String(error) });
  process.exitCode = 1;
  setTimeout(() => process.exit(1), 100).unref();
});
