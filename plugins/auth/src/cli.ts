import { parseArgs, type ParseArgsConfig } from 'node:util';

/**
 * `sluice keys …` and `sluice tenants …`: thin clients of the admin API over HTTP, so they work against any
 * gateway (and any store behind it) and every change goes through the same validation and invalidation.
 */
export interface CliIo {
  stdout(text: string): void;
  stderr(text: string): void;
  env: Readonly<Record<string, string | undefined>>;
  fetch: typeof fetch;
}

const defaultIo = (): CliIo => ({
  stdout: (text) => void process.stdout.write(text),
  stderr: (text) => void process.stderr.write(text),
  env: process.env,
  fetch: globalThis.fetch,
});

export const KEYS_USAGE = `usage: sluice keys <command> [options]

commands:
  create --tenant ID [--name TEXT] [--models GLOB,...] [--channels NAME,...] [--ips CIDR,...]
         [--expires 30d|2027-01-01] [--limits JSON] [--metadata JSON]
                      create a key; the key is printed once, on stdout
  list [--tenant ID]  list keys (never their secrets)
  get ID              show one key
  rotate ID           new secret for the key; the old one stops working (printed once)
  disable ID | enable ID
  revoke ID           delete the key for good

options: --url URL (env SLUICE_URL, default http://127.0.0.1:8080), --admin-key KEY (env SLUICE_ADMIN_KEY,
         preferred: a flag shows in the process list), --json (machine-readable output)`;

export const TENANTS_USAGE = `usage: sluice tenants <command> [options]

commands:
  create ID [--group NAME] [--limits JSON] [--metadata JSON]
  list                list tenants
  get ID              show one tenant
  disable ID | enable ID
  delete ID [--cascade]   delete a tenant (with --cascade: and its keys)

options: --url URL (env SLUICE_URL), --admin-key KEY (env SLUICE_ADMIN_KEY), --json`;

const OPTIONS = {
  url: { type: 'string' },
  'admin-key': { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
  tenant: { type: 'string' },
  name: { type: 'string' },
  group: { type: 'string' },
  models: { type: 'string', multiple: true },
  channels: { type: 'string', multiple: true },
  ips: { type: 'string', multiple: true },
  expires: { type: 'string' },
  limits: { type: 'string' },
  metadata: { type: 'string' },
  cascade: { type: 'boolean' },
} as const satisfies ParseArgsConfig['options'];

type Values = ReturnType<typeof parseArgs<{ options: typeof OPTIONS; allowPositionals: true }>>['values'];

class UsageError extends Error {}

/** A non-2xx answer of the admin API, with the gateway's own message. */
class ApiError extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
  }
}

interface Client {
  call(method: string, path: string, body?: unknown): Promise<Record<string, unknown>>;
}

function client(values: Values, io: CliIo): Client {
  const base = (values.url ?? io.env['SLUICE_URL'] ?? 'http://127.0.0.1:8080').replace(/\/+$/, '');
  const adminKey = values['admin-key'] ?? io.env['SLUICE_ADMIN_KEY'];
  if (!adminKey) throw new UsageError('no admin key: set SLUICE_ADMIN_KEY (or pass --admin-key)');
  return {
    async call(method, path, body) {
      let response: Response;
      try {
        response = await io.fetch(`${base}${path}`, {
          method,
          headers: { authorization: `Bearer ${adminKey}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
          ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        });
      } catch (error) {
        throw new ApiError(0, `cannot reach the gateway at ${base}: ${((error as Error).cause as Error | undefined)?.message ?? (error as Error).message}`);
      }
      const text = await response.text();
      let parsed: Record<string, unknown> = {};
      try {
        parsed = text ? (JSON.parse(text) as Record<string, unknown>) : {};
      } catch {
        // fall through with the raw text below
      }
      if (!response.ok) {
        const error = parsed['error'] as { message?: string } | undefined;
        throw new ApiError(response.status, `${error?.message ?? (text.slice(0, 200) || response.statusText)} (HTTP ${response.status})`);
      }
      return parsed;
    },
  };
}

const csv = (values: readonly string[] | undefined): string[] | undefined =>
  values?.flatMap((v) => v.split(',')).map((v) => v.trim()).filter((v) => v !== '');

function json(text: string | undefined, flag: string): Record<string, unknown> | undefined {
  if (text === undefined) return undefined;
  try {
    const value: unknown = JSON.parse(text);
    if (value && typeof value === 'object' && !Array.isArray(value)) return value as Record<string, unknown>;
  } catch {
    // reported below
  }
  throw new UsageError(`--${flag} must be a JSON object, e.g. '{"rpm": 60}'`);
}

const one = (positionals: string[], what: string): string => {
  const [id, extra] = positionals;
  if (!id || extra !== undefined) throw new UsageError(`give exactly one ${what}`);
  return id;
};

const enc = encodeURIComponent;
const dash = (value: unknown): string => (value === null || value === undefined ? '-' : Array.isArray(value) ? value.join(',') : String(value));

function table(rows: Record<string, unknown>[], columns: [string, (row: Record<string, unknown>) => unknown][]): string {
  const cells = [columns.map(([title]) => title), ...rows.map((row) => columns.map(([, get]) => dash(get(row))))];
  const widths = columns.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? '').length)));
  return `${cells.map((r) => r.map((c, i) => c.padEnd(widths[i] ?? 0)).join('  ').trimEnd()).join('\n')}\n`;
}

function keyStatus(key: Record<string, unknown>): string {
  if (!key['enabled']) return 'disabled';
  const expires = typeof key['expiresAt'] === 'string' ? Date.parse(key['expiresAt']) : NaN;
  return expires <= Date.now() ? 'expired' : 'active';
}

const KEY_COLUMNS: [string, (row: Record<string, unknown>) => unknown][] = [
  ['ID', (k) => k['id']],
  ['TENANT', (k) => k['tenant']],
  ['NAME', (k) => k['name']],
  ['PREFIX', (k) => k['prefix']],
  ['STATUS', keyStatus],
  ['EXPIRES', (k) => k['expiresAt']],
  ['MODELS', (k) => k['models']],
  ['SOURCE', (k) => k['source']],
];
const TENANT_COLUMNS: [string, (row: Record<string, unknown>) => unknown][] = [
  ['ID', (t) => t['id']],
  ['GROUP', (t) => t['group']],
  ['STATUS', (t) => (t['enabled'] ? 'active' : 'disabled')],
  ['SOURCE', (t) => t['source']],
];

async function run(argv: readonly string[], io: CliIo, usage: string, command: (verb: string, rest: string[], values: Values, out: Output) => Promise<void>): Promise<number> {
  try {
    const { values, positionals } = parseArgs({ args: [...argv], options: OPTIONS, allowPositionals: true, strict: true });
    const [verb, ...rest] = positionals;
    if (values.help || verb === undefined || verb === 'help') {
      io.stdout(`${usage}\n`);
      return values.help || verb === 'help' ? 0 : 2;
    }
    await command(verb, rest, values, new Output(io, values.json === true));
    return 0;
  } catch (error) {
    if (error instanceof ApiError) {
      io.stderr(`sluice: ${error.message}\n`);
      return 1;
    }
    const message = (error as Error).message;
    io.stderr(`sluice: ${message}\n\n${usage}\n`);
    return 2;
  }
}

class Output {
  constructor(private readonly io: CliIo, private readonly asJson: boolean) {}
  record(value: unknown, human: string): void {
    this.io.stdout(this.asJson ? `${JSON.stringify(value, null, 2)}\n` : human);
  }
  /** A new secret: alone on stdout (so `KEY=$(sluice keys create …)` works), the reminder on stderr. */
  secret(value: Record<string, unknown>): void {
    if (this.asJson) return this.record(value, '');
    this.io.stdout(`${String(value['key'])}\n`);
    this.io.stderr(`key ${String(value['id'])} (tenant ${String(value['tenant'])}): store it now, it is not shown again.\n`);
  }
}

export function runKeysCommand(argv: readonly string[], io: CliIo = defaultIo()): Promise<number> {
  return run(argv, io, KEYS_USAGE, async (verb, rest, values, out) => {
    const api = client(values, io);
    switch (verb) {
      case 'create': {
        if (!values.tenant) throw new UsageError('--tenant is required');
        if (rest.length > 0) throw new UsageError(`unexpected argument '${rest[0]}'`);
        const body: Record<string, unknown> = { tenant: values.tenant };
        if (values.name !== undefined) body['name'] = values.name;
        for (const field of ['models', 'channels', 'ips'] as const) if (values[field]) body[field] = csv(values[field]);
        if (values.expires !== undefined) body['expires'] = values.expires;
        if (values.limits !== undefined) body['limits'] = json(values.limits, 'limits');
        if (values.metadata !== undefined) body['metadata'] = json(values.metadata, 'metadata');
        return out.secret(await api.call('POST', '/admin/keys', body));
      }
      case 'list': {
        const listed = await api.call('GET', `/admin/keys${values.tenant ? `?tenant=${enc(values.tenant)}` : ''}`);
        return out.record(listed, table(listed['data'] as Record<string, unknown>[], KEY_COLUMNS));
      }
      case 'get': {
        const key = await api.call('GET', `/admin/keys/${enc(one(rest, 'key id'))}`);
        return out.record(key, table([key], KEY_COLUMNS));
      }
      case 'rotate':
        return out.secret(await api.call('POST', `/admin/keys/${enc(one(rest, 'key id'))}/rotate`));
      case 'disable':
      case 'enable': {
        const key = await api.call('POST', `/admin/keys/${enc(one(rest, 'key id'))}/${verb}`);
        return out.record(key, `key ${String(key['id'])} ${verb}d\n`);
      }
      case 'revoke':
      case 'delete': {
        const result = await api.call('DELETE', `/admin/keys/${enc(one(rest, 'key id'))}`);
        return out.record(result, `key ${String(result['id'])} revoked\n`);
      }
      default:
        throw new UsageError(`unknown command 'keys ${verb}'`);
    }
  });
}

export function runTenantsCommand(argv: readonly string[], io: CliIo = defaultIo()): Promise<number> {
  return run(argv, io, TENANTS_USAGE, async (verb, rest, values, out) => {
    const api = client(values, io);
    switch (verb) {
      case 'create': {
        const body: Record<string, unknown> = { id: one(rest, 'tenant id') };
        if (values.group !== undefined) body['group'] = values.group;
        if (values.limits !== undefined) body['limits'] = json(values.limits, 'limits');
        if (values.metadata !== undefined) body['metadata'] = json(values.metadata, 'metadata');
        const tenant = await api.call('POST', '/admin/tenants', body);
        return out.record(tenant, `tenant ${String(tenant['id'])} created (group ${String(tenant['group'])})\n`);
      }
      case 'list': {
        const listed = await api.call('GET', '/admin/tenants');
        return out.record(listed, table(listed['data'] as Record<string, unknown>[], TENANT_COLUMNS));
      }
      case 'get': {
        const tenant = await api.call('GET', `/admin/tenants/${enc(one(rest, 'tenant id'))}`);
        return out.record(tenant, table([tenant], TENANT_COLUMNS));
      }
      case 'disable':
      case 'enable': {
        const tenant = await api.call('POST', `/admin/tenants/${enc(one(rest, 'tenant id'))}/${verb}`);
        return out.record(tenant, `tenant ${String(tenant['id'])} ${verb}d\n`);
      }
      case 'delete': {
        const id = one(rest, 'tenant id');
        const result = await api.call('DELETE', `/admin/tenants/${enc(id)}${values.cascade ? '?cascade=true' : ''}`);
        return out.record(result, `tenant ${id} deleted (${String(result['keysDeleted'])} key(s) deleted)\n`);
      }
      default:
        throw new UsageError(`unknown command 'tenants ${verb}'`);
    }
  });
}
