// Durability: a gateway killed with SIGKILL mid-flight loses no record and leaves no reservation behind; Redis
// losing everything (simulated by deleting this run's keys: other tests share the server) rebuilds balances from
// the ledger, and limits work again.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import t from 'tap';
import { startOpenAIUpstream } from './mocks/openai-upstream.js';
import { REPO_ROOT, startGateway, TENANT_KEY } from './helpers/gateway.js';
import { admin, chat, dropPrefix, hget, quotaConfig, runPrefix, until, type RecordView } from './helpers/quota-gateway.js';

const perRequest = { '*': { input: 0, output: 0, request: 1000 } };

t.test('Redis loses everything: balances are rebuilt from the ledger, limits recover', async (t) => {
  const upstream = await startOpenAIUpstream();
  const prefix = runPrefix();
  const dir = await mkdtemp(join(tmpdir(), 'sluice-quota-'));
  const gw = await startGateway(
    quotaConfig({
      upstream: upstream.url,
      quota: { redisPrefix: prefix, prices: perRequest, tenants: { acme: { budget: { amount: 10_000, period: 'daily' } } }, keys: { 'acme-test': { limits: { rpm: 1000 } } }, ledger: { file: join(dir, 'ledger.jsonl') } },
    }),
  );
  t.teardown(async () => {
    await gw.stop();
    await upstream.close();
    await dropPrefix(prefix);
    await rm(dir, { recursive: true, force: true });
  });
  for (let i = 0; i < 6; i++) t.equal((await chat(gw.url, TENANT_KEY)).status, 200);
  const before = await chat(gw.url, TENANT_KEY);
  t.equal(before.headers.get('x-ratelimit-remaining-requests'), '993');
  await admin(gw.url, '/admin/usage'); // the admin view flushes: the ledger holds all 7
  t.ok((await dropPrefix(prefix)) > 0, 'every key of this run deleted');
  const after = await Promise.all(Array.from({ length: 6 }, () => chat(gw.url, TENANT_KEY)));
  t.same(after.map((r) => r.status).sort(), [200, 200, 200, 429, 429, 429], 'spend 7000 was rebuilt from the ledger: only 3 more fit');
  t.ok(after.every((r) => r.headers.get('x-ratelimit-limit-requests') === '1000'), 'rate limits answer again');
  t.equal(await hget(`${prefix}b:t:acme:d${new Date().toISOString().slice(0, 10).replaceAll('-', '')}`, 'spent'), '10000');
  const usage = await admin<{ data: { requests: number; cost: number }[] }>(gw.url, '/admin/usage?groupBy=tenant');
  t.same(usage.data.map((r) => [r.requests, r.cost]), [[10, 10_000]], 'ledger and counter agree');
});

interface Child { process: ChildProcess; url: string }

async function spawnGateway(yaml: string): Promise<Child> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(REPO_ROOT, 'test/helpers/quota-child.ts')], {
    cwd: REPO_ROOT,
    env: { ...process.env, QUOTA_CHILD_YAML: yaml },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream });
  const url = await new Promise<string>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`gateway child exited (${code})`)));
    lines.on('line', (line) => line.startsWith('READY ') && resolve(line.slice(6)));
  });
  return { process: child, url };
}

t.test('kill -9 during 20 in-flight requests: after restart each has exactly one ledger record, balance consistent', async (t) => {
  // Slow streams keep 20 requests in flight; 10 quick calls are settled but (flushInterval 1h) not yet in the ledger.
  const upstream = await startOpenAIUpstream({ reply: Array.from({ length: 100 }, (_, i) => `w${i}`).join(' '), chunkDelayMs: 50 });
  const prefix = runPrefix();
  const dir = await mkdtemp(join(tmpdir(), 'sluice-quota-'));
  const file = join(dir, 'ledger.jsonl');
  const yaml = quotaConfig({
    upstream: upstream.url,
    quota: { redisPrefix: prefix, prices: perRequest, heartbeat: '100ms', tenants: { acme: { budget: { amount: 1_000_000 } } }, ledger: { file, flushInterval: '1h' } },
  });
  let first = await spawnGateway(yaml);
  t.teardown(async () => {
    first.process.kill('SIGKILL');
    await upstream.close();
    await dropPrefix(prefix);
    await rm(dir, { recursive: true, force: true });
  });
  const quick: string[] = Array.from({ length: 10 }, () => randomUUID());
  for (const id of quick) t.equal((await chat(first.url, TENANT_KEY, {}, { 'x-request-id': id })).status, 200);
  const slow: string[] = Array.from({ length: 20 }, () => randomUUID());
  const streams = await Promise.all(slow.map((id) => chat(first.url, TENANT_KEY, { stream: true }, { 'x-request-id': id })));
  t.ok(streams.every((r) => r.status === 200), '20 streams started (reserved)');
  for (const r of streams) await (r.body as ReadableStream<Uint8Array>).getReader().read(); // each has begun to flow
  const exited = new Promise((resolve) => first.process.once('exit', resolve));
  first.process.kill('SIGKILL');
  await exited;
  await Promise.allSettled(streams.map((r) => r.body?.cancel()));
  t.equal(await readFile(file, 'utf8').catch(() => ''), '', 'nothing reached the ledger before the crash');

  first = await spawnGateway(yaml); // the teardown kills the second one
  const ids = [...quick, ...slow];
  const records = await until(async () => {
    const r = await admin<{ data: RecordView[]; pending: number }>(first.url, `/admin/usage/records?requestId=${ids.join(',')}`);
    return r.data.length === ids.length && r.pending === 0 ? r.data : undefined;
  }, 'the dead instance\'s records to be recovered');
  const lines = (await readFile(file, 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as RecordView);
  for (const id of ids) t.equal(lines.filter((l) => l.requestId === id).length, 1, `exactly one record for ${id.slice(0, 8)}`);
  t.same(records.filter((r) => quick.includes(r.requestId)).map((r) => r.status), Array(10).fill('ok'), 'settled calls: their own record');
  t.same(records.filter((r) => slow.includes(r.requestId)).map((r) => [r.status, r.cost]), Array(20).fill(['reclaimed', 1000]), 'in-flight calls: reclaimed, charged their reservation');
  const ledgerSpend = lines.reduce((n, l) => n + l.cost, 0);
  t.equal(ledgerSpend, 30_000);
  t.equal(await hget(`${prefix}b:t:acme:total`, 'spent'), String(ledgerSpend), 'the live balance equals the ledger');
  t.equal(await hget(`${prefix}b:t:acme:total`, 'reserved'), '0', 'no reservation left');
});
