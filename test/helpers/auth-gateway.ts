// Gateways for the auth tests: mock channels (no network), an admin key, optional Redis, a client for both APIs.
import { randomUUID } from 'node:crypto';
import { request } from 'undici';
import { startGateway, type TestGateway } from './gateway.js';

export const ADMIN_KEY = 'sk-admin-test-7f3e9a1c5b2d4e6f8a0b1c2d3e4f5a6b';
export const STATIC_KEY = 'sk-static-test-key-0a1b2c3d4e5f60718293';
export const REDIS_URL = process.env['REDIS_URL'] ?? 'redis://127.0.0.1:6379';

/** Each mock channel answers with its own name, so a test can see which channel served a call. */
export const CHANNELS_YAML = `  - { name: mock-a, adapter: mock, models: [mock-gpt, mock-gpt-mini, mock-embed], groups: [default, pro], options: { reply: 'from mock-a' } }
  - { name: mock-b, adapter: mock, models: [mock-gpt, mock-claude], groups: [pro], priority: 1, options: { reply: 'from mock-b' } }
  - { name: mock-c, adapter: mock, models: [mock-gpt, mock-gpt-mini], groups: [default], options: { reply: 'from mock-c' } }`;

export interface AuthGatewayOptions {
  /** YAML of the auth plugin's `with:` (flow style), e.g. "{ failedAuth: { limit: 3 } }". */
  authWith?: string;
  redis?: boolean;
  mongodb?: string;
  /** Honour x-forwarded-for, so tests can call from any address. */
  trustProxy?: boolean;
  adapters?: string[];
  /** More channel entries (YAML list items, indented two spaces). */
  extraChannels?: string;
  /** Adds a plugin after auth that echoes ctx.principal in the x-test-principal header. */
  probe?: boolean;
}

/** A unique Redis prefix per run, so parallel runs and leftovers never meet. */
export const uniqueRedisPrefix = (): string => `sluice:auth:test-${randomUUID()}:`;

export function authConfig(options: AuthGatewayOptions = {}): string {
  const state = [options.redis ? `redis: ${REDIS_URL}` : '', options.mongodb ? `mongodb: '${options.mongodb}'` : ''].filter(Boolean);
  return `version: 1
server:
  host: 127.0.0.1
  adminKey: ${ADMIN_KEY}
  trustProxy: ${options.trustProxy ? 'true' : 'false'}
logging: { level: info }
${state.length > 0 ? `state: { ${state.join(', ')} }\n` : ''}pipeline:
  - use: '@sluice/auth'
    with: ${options.authWith ?? '{}'}
${options.probe ? "  - use: './helpers/auth-principal-probe.ts'\n" : ''}  - use: '@sluice/router'
adapters: [${['@sluice/adapter-mock', '@sluice/adapter-openai', ...(options.adapters ?? [])].map((a) => `'${a}'`).join(', ')}]
channels:
${CHANNELS_YAML}
${options.extraChannels ?? ''}
tenants:
  - id: static-co
    group: default
    keys:
      - { key: ${STATIC_KEY}, id: static-key }
`;
}

export const startAuthGateway = (options: AuthGatewayOptions = {}): Promise<TestGateway> => startGateway(authConfig(options));

export interface Reply<T = Record<string, unknown>> {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: T;
}

/** One HTTP call; JSON in and out. */
export async function http<T = Record<string, unknown>>(
  url: string,
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE',
  headers: Record<string, string>,
  body?: unknown,
): Promise<Reply<T>> {
  const response = await request(url, {
    method,
    headers: { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
    ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
  });
  const text = await response.body.text();
  return { status: response.statusCode, headers: response.headers, body: (text ? JSON.parse(text) : {}) as T };
}

/** The admin API as an operator calls it. */
export function admin(base: string, key = ADMIN_KEY) {
  const call = <T = Record<string, unknown>>(method: 'GET' | 'POST' | 'PATCH' | 'DELETE', path: string, body?: unknown) =>
    http<T>(`${base}${path}`, method, { authorization: `Bearer ${key}` }, body);
  return {
    call,
    async createTenant(id: string, extra: Record<string, unknown> = {}): Promise<Record<string, unknown>> {
      const reply = await call('POST', '/admin/tenants', { id, ...extra });
      if (reply.status !== 201) throw new Error(`create tenant ${id}: ${reply.status} ${JSON.stringify(reply.body)}`);
      return reply.body;
    },
    /** Creates a key and returns its id and plaintext. */
    async createKey(tenant: string, extra: Record<string, unknown> = {}): Promise<{ id: string; key: string; body: Record<string, unknown> }> {
      const reply = await call('POST', '/admin/keys', { tenant, ...extra });
      if (reply.status !== 201) throw new Error(`create key: ${reply.status} ${JSON.stringify(reply.body)}`);
      return { id: String(reply.body['id']), key: String(reply.body['key']), body: reply.body };
    },
  };
}

export interface CallOptions {
  /** How the key is sent: each official SDK's way. */
  via?: 'bearer' | 'x-api-key' | 'x-goog-api-key' | 'query';
  /** The caller's address (needs trustProxy). */
  ip?: string;
}

function credentialHeaders(key: string | undefined, options: CallOptions): { headers: Record<string, string>; query: string } {
  const headers: Record<string, string> = options.ip ? { 'x-forwarded-for': options.ip } : {};
  if (key === undefined) return { headers, query: '' };
  switch (options.via ?? 'bearer') {
    case 'bearer':
      return { headers: { ...headers, authorization: `Bearer ${key}` }, query: '' };
    case 'x-api-key':
      return { headers: { ...headers, 'x-api-key': key }, query: '' };
    case 'x-goog-api-key':
      return { headers: { ...headers, 'x-goog-api-key': key }, query: '' };
    case 'query':
      return { headers, query: `?key=${encodeURIComponent(key)}` };
  }
}

export interface OpenAIError { error: { message: string; type: string; code: string; sluice_code: string; param: string | null } }

/** POST /v1/chat/completions with a key; the reply text tells which channel answered. */
export async function chat(base: string, key: string | undefined, model = 'mock-gpt', options: CallOptions = {}) {
  const { headers, query } = credentialHeaders(key, options);
  const reply = await http<OpenAIError & { choices?: { message: { content: string } }[] }>(`${base}/v1/chat/completions${query}`, 'POST', headers, {
    model,
    messages: [{ role: 'user', content: 'hi' }],
  });
  const probe = reply.headers['x-test-principal'];
  const principal = typeof probe === 'string' ? (JSON.parse(Buffer.from(probe, 'base64url').toString()) as Record<string, unknown>) : undefined;
  return { ...reply, content: reply.body.choices?.[0]?.message.content, principal };
}

/** GET /v1/models: the ids the key sees (sorted), or the error. */
export async function models(base: string, key: string | undefined, options: CallOptions = {}) {
  const { headers, query } = credentialHeaders(key, options);
  const reply = await http<OpenAIError & { data?: { id: string }[] }>(`${base}/v1/models${query}`, 'GET', headers);
  return { ...reply, ids: (reply.body.data ?? []).map((m) => m.id).sort() };
}

/** Polls `check` until it holds or the deadline passes; returns the elapsed ms (only for propagation measurements). */
export async function within(deadlineMs: number, check: () => Promise<boolean>): Promise<number | undefined> {
  const started = Date.now();
  while (Date.now() - started < deadlineMs) {
    if (await check()) return Date.now() - started;
    await new Promise((r) => setTimeout(r, 25));
  }
  return undefined;
}
