import type { SchemaObject } from 'ajv';

/**
 * JSON Schemas for gateway.yaml. These objects are the source; `npm run schemas` writes them to schemas/*.json
 * (for editors and yaml-language-server) and a test fails if the two drift apart.
 */
export const fragmentsSchema = {
  $id: 'https://sluice.dev/schemas/fragments.json',
  description: 'Shared pieces of Sluice schemas.',
  $defs: {
    duration: {
      description: 'A duration: a number of milliseconds, or a string like "500ms", "30s", "10m", "1h", "7d".',
      type: ['integer', 'string'],
      format: 'duration',
      minimum: 0,
    },
    size: {
      description: 'A size in bytes: a number, or a string like "512kb", "20mb".',
      type: ['integer', 'string'],
      format: 'size',
      minimum: 0,
    },
    secret: {
      description: 'A credential. Write it as ${ENV_VAR} so it never sits in the file.',
      type: 'string',
    },
    redisUrl: { description: 'redis:// or rediss:// URL; empty means the embedded in-process store.', type: 'string' },
    mongoUrl: { description: 'mongodb:// or mongodb+srv:// URL; empty means the embedded store.', type: 'string' },
    name: { description: 'An identifier: letters, digits, "-", "_", ".".', type: 'string', pattern: '^[A-Za-z0-9][A-Za-z0-9._-]*$' },
  },
} as const satisfies SchemaObject;

const ref = (name: keyof typeof fragmentsSchema.$defs): { $ref: string } => ({
  $ref: `https://sluice.dev/schemas/fragments.json#/$defs/${name}`,
});

const timeouts = {
  description: 'Per-channel upstream timeouts.',
  type: 'object',
  additionalProperties: false,
  properties: {
    connect: { ...ref('duration'), description: 'TCP/TLS connect timeout (default 10s).' },
    firstByte: { ...ref('duration'), description: 'Time to the response headers (default 60s).' },
    idle: { ...ref('duration'), description: 'Longest silence between stream events (default 60s).' },
    total: { ...ref('duration'), description: 'Whole attempt (default 10m).' },
  },
};

const channel = {
  description: 'An upstream: one adapter, a base URL, a pool of keys, the models it serves.',
  type: 'object',
  additionalProperties: false,
  required: ['name', 'adapter', 'models'],
  properties: {
    name: { ...ref('name'), description: 'Unique channel name (shown in traces and x-sluice-route).' },
    adapter: { type: 'string', description: 'Adapter id, as declared by a package listed under `adapters`.' },
    baseUrl: { type: 'string', format: 'uri', description: 'Upstream base URL; requests never go anywhere else.' },
    keys: {
      type: 'array',
      items: ref('secret'),
      default: [],
      description: 'Upstream API keys; empty entries are ignored, and a channel left with none is disabled.',
    },
    models: {
      type: 'array',
      minItems: 1,
      description: 'Models served: "public-name", or {name, upstream} to map a public name to the upstream one.',
      items: {
        anyOf: [
          { type: 'string', minLength: 1 },
          {
            type: 'object',
            additionalProperties: false,
            required: ['name', 'upstream'],
            properties: { name: { type: 'string', minLength: 1 }, upstream: { type: 'string', minLength: 1 } },
          },
        ],
      },
    },
    groups: { type: 'array', items: { type: 'string' }, default: ['default'], description: 'Caller groups allowed.' },
    priority: { type: 'integer', default: 0, description: 'Higher tiers are tried first.' },
    weight: { type: 'integer', minimum: 1, default: 1, description: 'Share of traffic within its priority tier.' },
    enabled: { type: 'boolean', default: true, description: 'Set false to keep a channel configured but unused.' },
    strict: {
      type: 'boolean',
      default: false,
      description: 'Reject (400) a request with fields this adapter cannot carry, instead of dropping them with a report.',
    },
    timeouts,
    headers: {
      type: 'object',
      additionalProperties: { type: 'string' },
      default: {},
      description: 'Extra headers sent to the upstream.',
    },
    options: {
      type: 'object',
      default: {},
      description: "The adapter's own options, validated against the adapter's schema.",
    },
  },
};

const tenantKey = {
  type: 'object',
  additionalProperties: false,
  required: ['key'],
  properties: {
    key: { ...ref('secret'), type: 'string', minLength: 8, description: 'The gateway key a client sends (stored hashed in memory).' },
    id: { type: 'string', description: 'A non-secret id for logs and traces (default: a hash prefix).' },
    models: { type: 'array', items: { type: 'string' }, description: 'Model globs this key may use.' },
    channels: { type: 'array', items: { type: 'string' }, description: 'Channels this key is bound to.' },
    ips: { type: 'array', items: { type: 'string' }, description: 'Client IP allow-list (CIDRs, IPv4 or IPv6).' },
    limits: { type: 'object', description: 'Budget and rate limits of this key (read by @sluice/quota).' },
    enabled: { type: 'boolean', default: true, description: 'Disabled keys answer 401.' },
    expires: { type: 'string', format: 'date-time', description: 'ISO 8601 expiry.' },
    metadata: { type: 'object', default: {}, description: 'Free-form data routing rules can read.' },
  },
};

export const gatewaySchema = {
  $id: 'https://sluice.dev/schemas/gateway.json',
  description: 'gateway.yaml: the Sluice gateway configuration.',
  type: 'object',
  additionalProperties: false,
  required: ['version', 'pipeline', 'channels'],
  properties: {
    version: { const: 1, description: 'Config format version.' },
    server: {
      type: 'object',
      additionalProperties: false,
      default: {},
      description: 'HTTP server settings.',
      properties: {
        host: { type: 'string', default: '0.0.0.0', description: 'Listen address.' },
        port: { type: 'integer', minimum: 0, maximum: 65535, default: 8080, description: 'Listen port (0 = any).' },
        adminKey: { ...ref('secret'), description: 'Key for /admin endpoints; admin API is off when unset.' },
        bodyLimit: { ...ref('size'), default: '20mb', description: 'Largest accepted request body (413 beyond).' },
        shutdownGrace: { ...ref('duration'), default: '30s', description: 'How long in-flight calls may finish on SIGTERM.' },
        keepAlive: { ...ref('duration'), default: '15s', description: 'SSE keep-alive comment interval while an upstream is silent.' },
        trustProxy: { type: 'boolean', default: false, description: 'Take the client IP from x-forwarded-for.' },
      },
    },
    logging: {
      type: 'object',
      additionalProperties: false,
      default: {},
      description: 'Logging (pino JSON on stdout).',
      properties: {
        level: {
          enum: ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'],
          default: 'info',
          description: 'Minimum level.',
        },
      },
    },
    state: {
      type: 'object',
      additionalProperties: false,
      default: {},
      description: 'Shared state. Leave both empty for the embedded, single-instance store.',
      properties: {
        redis: { ...ref('redisUrl'), description: 'Hot shared state (rate windows, cache, health).' },
        mongodb: { ...ref('mongoUrl'), description: 'Durable records (keys, tenants, ledger).' },
      },
    },
    pipeline: {
      type: 'array',
      description: 'Plugins, outermost first: the list order is the nesting order.',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['use'],
        properties: {
          use: { type: 'string', minLength: 1, description: 'npm package name or ./relative/path of the plugin.' },
          with: { type: 'object', default: {}, description: "The plugin's options (its own schema)." },
        },
      },
    },
    adapters: {
      type: 'array',
      items: { type: 'string', minLength: 1 },
      default: [],
      description: 'Adapter packages (npm name or ./path); each declares the adapter id channels refer to.',
    },
    channels: { type: 'array', items: channel, description: 'Upstreams.' },
    tenants: {
      type: 'array',
      default: [],
      description: 'Static tenants and their gateway keys.',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['id', 'keys'],
        properties: {
          id: ref('name'),
          group: { type: 'string', default: 'default', description: 'Group: decides which channels serve it.' },
          keys: { type: 'array', items: tenantKey },
          limits: { type: 'object', description: 'Budget and rate limits of the tenant (read by @sluice/quota).' },
          metadata: { type: 'object', default: {} },
        },
      },
    },
  },
} as const satisfies SchemaObject;
