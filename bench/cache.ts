/**
 * Cache bench: how much faster a cache hit answers than a miss, through the benchmark's own mock upstream.
 *
 *   node --import tsx bench/cache.ts            (build first: npx tsc -b)
 *
 * Processes as in the main bench: the mock OpenAI upstream (bench/child.ts, no delay, 20-word reply), a gateway
 * with auth → cache → retry → router (this file, forked with `gateway`), and autocannon here. Per round and
 * target: "miss" sends a new question on every request (each one goes upstream and is stored), "hit" repeats
 * one stored question. Knobs: CACHE_BENCH_DURATION (s, 5), CACHE_BENCH_ROUNDS (2), CACHE_BENCH_CONNECTIONS
 * ("1,50"), CACHE_BENCH_STREAM (0|1), CACHE_BENCH_STORE (embedded|redis; REDIS_URL, default 127.0.0.1:6379).
 */
import { fork } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { createGateway } from '@sluice/core';
import { killAll, spawnServer } from './targets.js';
import { percentile } from './load.js';

const SELF = fileURLToPath(import.meta.url);
const UPSTREAM_KEY = 'sk-bench-upstream-cache-0000000000000001';
const TENANT_KEY = 'sk-bench-tenant-cache-000000000000001';
const REPLY = 'Hello benchmark! This reply has exactly twenty words so that every stream carries twenty content chunks through the Sluice gateway.';
const env = (name: string, fallback: string): string => process.env[name] ?? fallback;

function gatewayYaml(upstreamUrl: string, redisUrl: string | undefined, prefix: string): string {
  return `version: 1
server: { host: 127.0.0.1, port: 0, shutdownGrace: 1s }
logging: { level: warn }
${redisUrl ? `state: { redis: '${redisUrl}' }` : ''}
pipeline:
  - use: '@sluice/auth'
  - use: '@sluice/cache'
    with: { ttl: 10m, keyPrefix: '${prefix}', embeddedMaxSize: 512mb }
  - use: '@sluice/retry'
    with: { maxAttempts: 3 }
  - use: '@sluice/router'
adapters: ['@sluice/adapter-openai']
channels:
  - { name: bench-upstream, adapter: openai, baseUrl: '${upstreamUrl}', keys: ['${UPSTREAM_KEY}'], models: [gpt-4o-mini] }
tenants:
  - id: bench
    keys: [{ key: ${TENANT_KEY}, id: bench-key }]
`;
}

/** Child: the gateway with the cache; reports its URL, exits on 'stop' or when the parent goes. */
async function child(options: { upstreamUrl: string; redisUrl?: string; prefix: string }): Promise<void> {
  const gateway = await createGateway({ configPath: fileURLToPath(new URL('./gateway.bench.yaml', import.meta.url)), configText: gatewayYaml(options.upstreamUrl, options.redisUrl, options.prefix), env: {} });
  await gateway.start();
  const stop = (): void => void gateway.stop().finally(() => process.exit(0));
  process.on('message', stop);
  process.on('disconnect', stop);
  process.send?.({ type: 'ready', url: gateway.url });
}

function body(question: string, stream: boolean): string {
  return JSON.stringify({
    model: 'gpt-4o-mini',
    messages: [{ role: 'user', content: question }],
    ...(stream && { stream: true, stream_options: { include_usage: true } }),
  });
}

interface Run {
  reqPerS: number;
  p50: number;
  p99: number;
  bad: number;
}

async function load(url: string, mode: 'hit' | 'miss', connections: number, durationS: number, stream: boolean): Promise<Run> {
  const latencies: number[] = [];
  let seq = 0;
  const run = `${randomUUID().slice(0, 8)}`;
  const options: autocannon.Options & { requests?: { setupRequest: (req: Record<string, unknown>) => Record<string, unknown> }[] } = {
    url: `${url}/v1/chat/completions`,
    method: 'POST',
    headers: { authorization: `Bearer ${TENANT_KEY}`, 'content-type': 'application/json' },
    body: body('What does a cache hit cost?', stream),
    connections,
    duration: durationS,
    timeout: 10,
  };
  // A miss needs a question nobody asked before: a new one per request.
  if (mode === 'miss') options.requests = [{ setupRequest: (req) => ({ ...req, body: body(`question ${run}-${seq++}`, stream) }) }];
  const instance = autocannon(options);
  let bad = 0;
  instance.on('response', (_client, status, _bytes, ms) => {
    if (status === 200) latencies.push(ms);
    else bad++;
  });
  const result = await instance;
  return { reqPerS: result['2xx'] / result.duration, p50: percentile(latencies, 50), p99: percentile(latencies, 99), bad: bad + result.errors + result.timeouts };
}

async function check(url: string, question: string, stream: boolean, expect: string): Promise<void> {
  const response = await fetch(`${url}/v1/chat/completions`, { method: 'POST', headers: { authorization: `Bearer ${TENANT_KEY}`, 'content-type': 'application/json' }, body: body(question, stream) });
  const text = await response.text();
  const cache = response.headers.get('x-sluice-cache');
  const streamed = (): string =>
    text
      .split('\n\n')
      .filter((e) => e.startsWith('data: {'))
      .map((e) => (JSON.parse(e.slice(6)) as { choices?: { delta?: { content?: string } }[] }).choices?.[0]?.delta?.content ?? '')
      .join('');
  const complete = stream ? text.endsWith('data: [DONE]\n\n') && streamed() === REPLY : text.includes(REPLY);
  if (response.status !== 200 || cache !== expect || !complete) throw new Error(`pre-check: expected a complete ${expect}, got ${response.status} ${cache}: ${text.slice(0, 200)}`);
}

async function main(): Promise<void> {
  const durationS = Number(env('CACHE_BENCH_DURATION', '5'));
  const rounds = Number(env('CACHE_BENCH_ROUNDS', '2'));
  const connectionList = env('CACHE_BENCH_CONNECTIONS', '1,50').split(',').map(Number);
  const stream = env('CACHE_BENCH_STREAM', '0') === '1';
  const redisUrl = env('CACHE_BENCH_STORE', 'embedded') === 'redis' ? env('REDIS_URL', 'redis://127.0.0.1:6379') : undefined;
  const prefix = `sluice:cache:bench-${randomUUID().slice(0, 8)}:`;

  const upstream = await spawnServer('upstream', { reply: REPLY, upstreamKey: UPSTREAM_KEY });
  const gatewayProcess = fork(SELF, ['gateway', JSON.stringify({ upstreamUrl: upstream.url, redisUrl, prefix })], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const url = await new Promise<string>((resolve, reject) => {
    gatewayProcess.once('message', (m: { url: string }) => resolve(m.url));
    gatewayProcess.once('exit', (code) => reject(new Error(`gateway exited (${code})`)));
  });
  try {
    console.log(`cache bench: store ${redisUrl ? 'redis' : 'embedded'}, ${stream ? 'stream (latency to the last byte)' : 'JSON'}, ${rounds} rounds × ${durationS} s, upstream without delay`);
    await check(url, 'What does a cache hit cost?', stream, 'miss');
    await check(url, 'What does a cache hit cost?', stream, 'hit');
    for (const connections of connectionList) {
      const runs: Record<'hit' | 'miss', Run[]> = { hit: [], miss: [] };
      for (let round = 0; round < rounds; round++) {
        // Interleaved, order flipped each round: a noisy moment hits both alike.
        for (const mode of round % 2 === 0 ? (['miss', 'hit'] as const) : (['hit', 'miss'] as const)) runs[mode].push(await load(url, mode, connections, durationS, stream));
      }
      const mean = (list: Run[], f: (r: Run) => number): number => list.reduce((s, r) => s + f(r), 0) / list.length;
      for (const mode of ['miss', 'hit'] as const) {
        const list = runs[mode];
        console.log(`  ${String(connections).padStart(3)} conn  ${mode}  ${mean(list, (r) => r.reqPerS).toFixed(0).padStart(6)} req/s  p50 ${mean(list, (r) => r.p50).toFixed(2)} ms  p99 ${mean(list, (r) => r.p99).toFixed(2)} ms${list.some((r) => r.bad > 0) ? '  (non-200 answers!)' : ''}`);
      }
      const ratio = mean(runs.miss, (r) => r.p50) / mean(runs.hit, (r) => r.p50);
      const throughput = mean(runs.hit, (r) => r.reqPerS) / mean(runs.miss, (r) => r.reqPerS);
      console.log(`  ${String(connections).padStart(3)} conn  hit is ${ratio.toFixed(1)}× faster (p50), ${throughput.toFixed(1)}× the throughput ${ratio >= 3 ? 'PASS' : 'FAIL'} (bar: 3×)`);
    }
  } finally {
    gatewayProcess.send('stop');
    await upstream.stop();
    if (redisUrl) {
      const { Redis } = await import('ioredis');
      const redis = new Redis(redisUrl);
      for await (const keys of redis.scanStream({ match: `${prefix}*`, count: 1000 }) as AsyncIterable<string[]>) if (keys.length > 0) await redis.unlink(...keys);
      await redis.quit();
    }
  }
}

if (process.argv[2] === 'gateway') {
  void child(JSON.parse(process.argv[3] ?? '{}') as { upstreamUrl: string; redisUrl?: string; prefix: string });
} else {
  process.on('exit', killAll);
  main().catch((error: unknown) => {
    console.error(error);
    killAll();
    process.exitCode = 2;
  });
}
