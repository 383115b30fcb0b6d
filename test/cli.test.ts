// `sluice validate` checks a file without starting; `sluice start` serves and stops cleanly on SIGTERM.
import t from 'tap';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, writeFile, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'undici';
import { REPO_ROOT } from './helpers/gateway.js';

const CLI = `${REPO_ROOT}core/dist/cli.js`;

async function run(args: string[], env: Record<string, string> = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [CLI, ...args], { cwd: REPO_ROOT, env: { ...process.env, ...env } });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const [code] = (await once(child, 'exit')) as [number | null];
  return { code, stdout, stderr };
}

t.test('validate accepts the default gateway.yaml', async (t) => {
  const { code, stdout } = await run(['validate', 'gateway.yaml']);
  t.equal(code, 0);
  t.match(stdout, /gateway\.yaml: ok/);
  t.match(stdout, /channel openai not in service: no upstream keys configured/);
});

t.test('validate rejects a broken file with the YAML path, and exits non-zero', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'sluice-cli-'));
  const text = (await readFile(`${REPO_ROOT}gateway.yaml`, 'utf8')).replace("  - use: '@sluice/router'", "  - use: '@sluice/router'\n  - use: '@sluice/no-such-plugin'");
  const file = join(dir, 'gateway.yaml');
  await writeFile(file, text);
  const { code, stderr } = await run(['validate', file]);
  t.equal(code, 1);
  t.match(stderr, /pipeline\[\d+\]\.use: plugin "@sluice\/no-such-plugin" failed to load: (not found|Cannot find package)/);
  const missing = await run(['validate', join(dir, 'nope.yaml')]);
  t.equal(missing.code, 1);
  t.match(missing.stderr, /cannot read/);
});

t.test('start serves, and SIGTERM stops it with exit code 0', async (t) => {
  const child = spawn(process.execPath, [CLI, 'start', 'gateway.yaml'], { cwd: REPO_ROOT, env: { ...process.env, PORT: '0', LOG_LEVEL: 'info' } });
  let out = '';
  const listening = new Promise<string>((resolve) => {
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      const match = /"url":"http:\/\/[^:]+:(\d+)"/.exec(out);
      if (match?.[1]) resolve(match[1]);
    });
  });
  const port = await listening;
  const response = await request(`http://127.0.0.1:${port}/healthz`);
  t.equal(response.statusCode, 200);
  await response.body.dump();
  child.kill('SIGTERM');
  const [code] = (await once(child, 'exit')) as [number | null];
  t.equal(code, 0);
  t.match(out, /sluice stopped/);
});

t.test('explain prints the decision trace of a running gateway', async (t) => {
  const child = spawn(process.execPath, [CLI, 'start', 'gateway.yaml'], {
    cwd: REPO_ROOT,
    env: { ...process.env, PORT: '0', LOG_LEVEL: 'info', SLUICE_ADMIN_KEY: 'sk-admin-cli-test-000000' },
  });
  t.teardown(() => child.kill('SIGTERM'));
  let out = '';
  const port = await new Promise<string>((resolve) => {
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      const match = /"url":"http:\/\/[^:]+:(\d+)"/.exec(out);
      if (match?.[1]) resolve(match[1]);
    });
  });
  const { code, stdout } = await run(['explain', '--key', 'sk-sluice-demo', '--model', 'mock-gpt', '--prompt', 'hi'], {
    SLUICE_URL: `http://127.0.0.1:${port}`,
    SLUICE_ADMIN_KEY: 'sk-admin-cli-test-000000',
  });
  t.equal(code, 0);
  const report = JSON.parse(stdout) as { route: { channel: string }; trace: { by: string }[] };
  t.equal(report.route.channel, 'mock');
  t.ok(report.trace.some((e) => e.by === 'router'));
  const refused = await run(['explain', '--key', 'sk-sluice-demo', '--model', 'mock-gpt'], { SLUICE_URL: `http://127.0.0.1:${port}`, SLUICE_ADMIN_KEY: 'wrong-admin-key-000' });
  t.equal(refused.code, 1, 'a wrong admin key fails');
});

t.test('keys and tenants are delegated to @sluice/auth', async (t) => {
  const { code, stdout, stderr } = await run(['keys', '--help']);
  t.equal(code, 0);
  t.match(stdout + stderr, /usage: sluice keys <command>/);
  const unreachable = await run(['keys', 'list'], { SLUICE_URL: 'http://127.0.0.1:1', SLUICE_ADMIN_KEY: 'sk-admin-x-000000' });
  t.equal(unreachable.code, 1, 'an unreachable gateway is an error, not a crash');
});
