#!/usr/bin/env node
import { readFile } from 'node:fs/promises';
import { createGateway, loadGateway } from './gateway.js';
import { ConfigError } from './config/validate.js';

const USAGE = `usage: sluice <command> [gateway.yaml]

commands:
  start [file]      start the gateway (default file: ./gateway.yaml)
  validate [file]   check a config file, its plugins and adapters, without starting
  keys create --tenant T [--models 'gpt-4o*'] [--expires 30d] | keys list | keys revoke ID | tenants ...
                    manage keys and tenants through the admin API (from @sluice/auth; sluice keys --help)
  explain --key K (--model M --prompt P | --file request.json) [--path /v1/chat/completions]
                    show every decision the pipeline would take for a request, calling no upstream
                    (talks to a running gateway: --url or SLUICE_URL, --admin-key or SLUICE_ADMIN_KEY)`;

async function main(argv: string[]): Promise<number> {
  const [command, file = 'gateway.yaml'] = argv;
  switch (command) {
    case 'validate': {
      const loaded = await loadGateway({ configPath: file });
      const inactive = loaded.inactiveChannels.map((c) => `\n  channel ${c.name} not in service: ${c.reason}`).join('');
      process.stdout.write(
        `${loaded.config.sourcePath}: ok (${loaded.plugins.length} plugins, ${loaded.channels.all().length} channels in service)${inactive}\n`,
      );
      return 0;
    }
    case 'start': {
      const gateway = await createGateway({ configPath: file });
      await gateway.start();
      let stopping = false;
      const shutdown = (signal: string): void => {
        if (stopping) return;
        stopping = true;
        gateway.log.info({ signal }, 'shutting down: finishing in-flight requests');
        gateway.stop().then(
          () => process.exit(0),
          (error: unknown) => {
            gateway.log.error({ err: error }, 'shutdown failed');
            process.exit(1);
          },
        );
      };
      process.once('SIGTERM', () => shutdown('SIGTERM'));
      process.once('SIGINT', () => shutdown('SIGINT'));
      return -1; // keep running
    }
    case 'explain':
      return explain(argv.slice(1));
    case 'keys':
    case 'tenants':
      return delegateToAuth(command, argv.slice(1));
    default:
      process.stderr.write(`${USAGE}\n`);
      return command === undefined || command === 'help' || command === '--help' ? 0 : 2;
  }
}

interface AuthCli {
  runKeysCommand(argv: string[]): Promise<number>;
  runTenantsCommand(argv: string[]): Promise<number>;
}

/** Key and tenant management lives with the auth plugin (core cannot depend on it): loaded at run time. */
async function delegateToAuth(command: 'keys' | 'tenants', argv: string[]): Promise<number> {
  const specifier = '@sluice/auth/cli';
  let cli: AuthCli;
  try {
    cli = (await import(specifier)) as AuthCli;
  } catch {
    process.stderr.write(`sluice: '${command}' needs @sluice/auth installed\n`);
    return 1;
  }
  return command === 'keys' ? cli.runKeysCommand(argv) : cli.runTenantsCommand(argv);
}

function flags(argv: string[]): Map<string, string> {
  const out = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const name = argv[i];
    if (name?.startsWith('--')) out.set(name.slice(2), argv[++i] ?? '');
  }
  return out;
}

async function explain(argv: string[]): Promise<number> {
  const f = flags(argv);
  const url = f.get('url') ?? process.env['SLUICE_URL'] ?? 'http://127.0.0.1:8080';
  const adminKey = f.get('admin-key') ?? process.env['SLUICE_ADMIN_KEY'];
  const key = f.get('key');
  if (!key || !adminKey) {
    process.stderr.write('explain needs --key and an admin key (--admin-key or SLUICE_ADMIN_KEY)\n');
    return 2;
  }
  const file = f.get('file');
  const request: unknown = file
    ? JSON.parse(await readFile(file, 'utf8'))
    : { model: f.get('model') ?? '', messages: [{ role: 'user', content: f.get('prompt') ?? 'hello' }] };
  const response = await fetch(`${url}/admin/explain`, {
    method: 'POST',
    headers: { authorization: `Bearer ${adminKey}`, 'content-type': 'application/json' },
    body: JSON.stringify({ key, request, ...(f.has('path') ? { path: f.get('path') } : {}) }),
  });
  process.stdout.write(`${JSON.stringify(await response.json(), null, 2)}\n`);
  return response.ok ? 0 : 1;
}

main(process.argv.slice(2)).then(
  (code) => {
    if (code >= 0) process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(error instanceof ConfigError ? `${error.message}\n` : `sluice: ${(error as Error).message}\n`);
    process.exitCode = 1;
  },
);
