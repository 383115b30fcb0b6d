// `sluice keys …` / `sluice tenants …` (runKeysCommand / runTenantsCommand, and the sluice-auth bin) against a
// running gateway's admin API.
import t from 'tap';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { runKeysCommand, runTenantsCommand, type CliIo } from '@sluice/auth/cli';
import { ADMIN_KEY, chat, startAuthGateway } from './helpers/auth-gateway.js';
import { REPO_ROOT } from './helpers/gateway.js';

const gw = await startAuthGateway();
t.teardown(() => gw.stop());

interface Run { code: number; stdout: string; stderr: string }

function io(env: Record<string, string | undefined> = { SLUICE_URL: gw.url, SLUICE_ADMIN_KEY: ADMIN_KEY }): CliIo & { out: string[]; err: string[] } {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, env, fetch: globalThis.fetch, stdout: (s) => void out.push(s), stderr: (s) => void err.push(s) };
}

async function keys(argv: string[], env?: Record<string, string | undefined>): Promise<Run> {
  const streams = io(env);
  const code = await runKeysCommand(argv, streams);
  return { code, stdout: streams.out.join(''), stderr: streams.err.join('') };
}

async function tenants(argv: string[], env?: Record<string, string | undefined>): Promise<Run> {
  const streams = io(env);
  const code = await runTenantsCommand(argv, streams);
  return { code, stdout: streams.out.join(''), stderr: streams.err.join('') };
}

t.test('tenants create / list / get', async (t) => {
  const created = await tenants(['create', 'acme', '--group', 'pro', '--limits', '{"rpm": 60}']);
  t.equal(created.code, 0, created.stderr);
  t.match(created.stdout, /tenant acme created \(group pro\)/);
  const listed = await tenants(['list']);
  t.equal(listed.code, 0);
  t.match(listed.stdout, /^ID\s+GROUP\s+STATUS\s+SOURCE\n/);
  t.match(listed.stdout, /static-co\s+default\s+active\s+config/);
  t.match(listed.stdout, /acme\s+pro\s+active\s+store/);
  const json = await tenants(['get', 'acme', '--json']);
  t.match(JSON.parse(json.stdout), { id: 'acme', group: 'pro', limits: { rpm: 60 } });
});

t.test('keys create prints the secret alone on stdout; it works at once', async (t) => {
  const created = await keys(['create', '--tenant', 'acme', '--models', 'mock-gpt*', '--models', 'mock-claude', '--expires', '30d', '--name', 'ci']);
  t.equal(created.code, 0, created.stderr);
  const secret = created.stdout.trim();
  t.match(secret, /^sk-sluice-[A-Za-z0-9_-]{43}$/, 'only the key on stdout (KEY=$(sluice keys create …))');
  t.match(created.stderr, /store it now, it is not shown again/);
  t.equal((await chat(gw.url, secret, 'mock-gpt')).status, 200);
  t.equal((await chat(gw.url, secret, 'mock-embed')).status, 403, '--models applied');
  const listed = await keys(['list', '--tenant', 'acme']);
  t.match(listed.stdout, /^ID\s+TENANT\s+NAME\s+PREFIX\s+STATUS\s+EXPIRES\s+MODELS\s+SOURCE\n/);
  t.match(listed.stdout, new RegExp(`key_[0-9a-f]{16}\\s+acme\\s+ci\\s+${secret.slice(0, 14)}\\s+active\\s+\\d{4}-.*mock-gpt\\*,mock-claude\\s+store`));
  t.notMatch(listed.stdout, secret, 'never the secret');
});

t.test('keys rotate / disable / enable / revoke', async (t) => {
  const created = await keys(['create', '--tenant', 'acme', '--json']);
  const body = JSON.parse(created.stdout) as { id: string; key: string };
  t.equal((await chat(gw.url, body.key)).status, 200);
  const rotated = await keys(['rotate', body.id]);
  const fresh = rotated.stdout.trim();
  t.equal((await chat(gw.url, body.key)).status, 401, 'old secret dead');
  t.equal((await chat(gw.url, fresh)).status, 200, 'new one works');
  t.match((await keys(['disable', body.id])).stdout, /disabled/);
  t.equal((await chat(gw.url, fresh)).status, 401);
  t.match((await keys(['enable', body.id])).stdout, /enabled/);
  t.equal((await chat(gw.url, fresh)).status, 200);
  const revoked = await keys(['revoke', body.id]);
  t.equal(revoked.code, 0);
  t.match(revoked.stdout, new RegExp(`key ${body.id} revoked`));
  t.equal((await chat(gw.url, fresh)).status, 401);
  const again = await keys(['revoke', body.id]);
  t.equal(again.code, 1, 'revoking twice is an error');
  t.match(again.stderr, /No key .* \(HTTP 404\)/);
});

t.test('tenants disable / enable / delete --cascade', async (t) => {
  await tenants(['create', 'temp']);
  const secret = (await keys(['create', '--tenant', 'temp'])).stdout.trim();
  t.match((await tenants(['disable', 'temp'])).stdout, /tenant temp disabled/);
  t.equal((await chat(gw.url, secret)).status, 401);
  await tenants(['enable', 'temp']);
  t.equal((await chat(gw.url, secret)).status, 200);
  const refused = await tenants(['delete', 'temp']);
  t.equal(refused.code, 1);
  t.match(refused.stderr, /cascade/);
  const deleted = await tenants(['delete', 'temp', '--cascade']);
  t.match(deleted.stdout, /tenant temp deleted \(1 key\(s\) deleted\)/);
});

t.test('errors: usage (exit 2), refused by the gateway (exit 1), gateway unreachable (exit 1)', async (t) => {
  const noKey = await keys(['list'], { SLUICE_URL: gw.url });
  t.equal(noKey.code, 2);
  t.match(noKey.stderr, /no admin key: set SLUICE_ADMIN_KEY/);
  const wrongKey = await keys(['list'], { SLUICE_URL: gw.url, SLUICE_ADMIN_KEY: 'sk-not-the-admin-key' });
  t.equal(wrongKey.code, 1);
  t.match(wrongKey.stderr, /Invalid admin key\. \(HTTP 401\)/);
  t.notMatch(wrongKey.stderr, 'sk-not-the-admin-key', 'the key is not echoed');
  t.equal((await keys(['create'])).code, 2, '--tenant missing');
  t.equal((await keys(['frobnicate'])).code, 2);
  t.equal((await keys(['create', '--tenant', 'acme', '--bogus'])).code, 2, 'unknown flag');
  const badJson = await keys(['create', '--tenant', 'acme', '--limits', '{rpm:1}']);
  t.equal(badJson.code, 2);
  t.match(badJson.stderr, /--limits must be a JSON object/);
  const badBody = await keys(['create', '--tenant', 'acme', '--ips', '10.0.0.0/99']);
  t.equal(badBody.code, 1);
  t.match(badBody.stderr, /ips\[0\]: must be a CIDR/);
  const help = await keys(['--help']);
  t.equal(help.code, 0);
  t.match(help.stdout, /usage: sluice keys/);
  // A port nothing listens on.
  const probe = createServer().listen(0, '127.0.0.1');
  await once(probe, 'listening');
  const port = (probe.address() as { port: number }).port;
  await new Promise((r) => probe.close(r));
  const down = await tenants(['list', '--url', `http://127.0.0.1:${port}`]);
  t.equal(down.code, 1);
  t.match(down.stderr, /cannot reach the gateway at http:\/\/127\.0\.0\.1:\d+/);
});

t.test('the sluice-auth bin', async (t) => {
  const child = spawn(process.execPath, [`${REPO_ROOT}plugins/auth/dist/bin.js`, 'tenants', 'list'], {
    env: { ...process.env, SLUICE_URL: gw.url, SLUICE_ADMIN_KEY: ADMIN_KEY },
  });
  let stdout = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  const [code] = (await once(child, 'exit')) as [number];
  t.equal(code, 0);
  t.match(stdout, /static-co/);
  const bad = spawn(process.execPath, [`${REPO_ROOT}plugins/auth/dist/bin.js`, 'nonsense']);
  const [badCode] = (await once(bad, 'exit')) as [number];
  t.equal(badCode, 2);
});
