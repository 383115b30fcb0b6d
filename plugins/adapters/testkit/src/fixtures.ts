import { readdir, readFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { CanonicalChunk, CanonicalResponse, RelayRequest, UpstreamErrorKind, Usage } from '@sluice/core';

/** What every fixture may set besides its kind: per-case context for the adapter. */
export interface FixtureBase {
  /** The file name without `.json` (set by the loader), or your own name for inline cases. */
  name: string;
  description?: string;
  /** Merged over the suite's channel options for this case only (e.g. an override under test). */
  options?: Record<string, unknown>;
  /** The upstream model name the router chose (default: the suite's `upstreamModel`). */
  upstreamModel?: string;
  /** The client's surface (default: the suite's `surface`). */
  surface?: string;
  /** The channel key for this case (default: a random one); `""` is a keyless channel (self-hosted servers). */
  apiKey?: string;
  /**
   * Paths removed from actual and expected values (the response, the body, each stream chunk) before comparing,
   * for values the adapter cannot make deterministic (ids, timestamps): dotted, `*` for every array item or key,
   * e.g. `choices.*.delta.toolCalls.*.id`.
   */
  ignore?: string[];
}

/** Canonical request → the upstream request the adapter builds. `{{apiKey}}` in header values stands for the key. */
export interface RequestFixture extends FixtureBase {
  kind: 'request';
  request: RelayRequest;
  expect: {
    method: 'GET' | 'POST';
    path: string;
    query?: Record<string, string>;
    /** Every header the adapter sets (names compared lower-cased). */
    headers: Record<string, string>;
    body?: unknown;
    stream: boolean;
    /** Fields the adapter must report through ctx.drop (default: none). */
    dropped?: string[];
  };
}

/** Upstream JSON body → canonical response and usage. */
export interface ResponseFixture extends FixtureBase {
  kind: 'response';
  request: RelayRequest;
  upstream: { body: unknown };
  expect: { response: CanonicalResponse; usage: Usage };
}

/** A raw SSE capture (one string, or pieces concatenated as-is) → canonical chunks and usage. */
export interface StreamFixture extends FixtureBase {
  kind: 'stream';
  request: RelayRequest;
  upstream: { sse: string | string[] };
  expect: {
    chunks: CanonicalChunk[];
    usage: Usage;
    /** The translator must throw (an error event, malformed data) with a message containing this, after `chunks`. */
    throws?: string;
  };
}

/** Upstream failure (status, headers, body) → the typed error. */
export interface ErrorFixture extends FixtureBase {
  kind: 'error';
  upstream: { status: number; headers?: Record<string, string>; body?: unknown };
  expect: {
    kind: UpstreamErrorKind;
    retryable: boolean;
    /** Omitted means the error must carry no retryAfterMs. */
    retryAfterMs?: number;
    /** Default: the upstream status. */
    status?: number;
    /** A substring the message must contain. */
    message?: string;
  };
}

export type FixtureCase = RequestFixture | ResponseFixture | StreamFixture | ErrorFixture;

const KINDS = new Set(['request', 'response', 'stream', 'error']);

/** Required keys per kind, checked at load so a typo names its file instead of failing deep in a comparison. */
const REQUIRED: Record<FixtureCase['kind'], readonly string[]> = {
  request: ['request', 'expect.method', 'expect.path', 'expect.headers', 'expect.stream'],
  response: ['request', 'upstream.body', 'expect.response', 'expect.usage'],
  stream: ['request', 'upstream.sse', 'expect.chunks', 'expect.usage'],
  error: ['upstream.status', 'expect.kind', 'expect.retryable'],
};

function has(value: unknown, path: string): boolean {
  let current = value;
  for (const key of path.split('.')) {
    if (current === null || typeof current !== 'object' || !(key in current)) return false;
    current = (current as Record<string, unknown>)[key];
  }
  return true;
}

/** Checks a parsed fixture's shape; throws naming the case and the missing key. */
export function checkFixture(value: unknown, name: string): FixtureCase {
  const kind = (value as { kind?: unknown } | null)?.kind;
  if (typeof kind !== 'string' || !KINDS.has(kind)) throw new Error(`fixture ${name}: "kind" must be one of request, response, stream, error`);
  for (const path of REQUIRED[kind as FixtureCase['kind']]) {
    if (!has(value, path)) throw new Error(`fixture ${name}: "${path}" is required for kind "${kind}"`);
  }
  return { ...(value as FixtureCase), name: (value as { name?: string }).name ?? name };
}

/** Loads every `<case>.json` in a folder (Kong style: `fixtures/<adapter>/<case>.json`), sorted by name. */
export async function loadFixtures(dir: string | URL): Promise<FixtureCase[]> {
  const path = dir instanceof URL ? fileURLToPath(dir) : dir;
  const files = (await readdir(path)).filter((f) => f.endsWith('.json')).sort();
  if (files.length === 0) throw new Error(`no fixtures (*.json) in ${path}`);
  const cases: FixtureCase[] = [];
  for (const file of files) {
    const name = basename(file, '.json');
    let parsed: unknown;
    try {
      parsed = JSON.parse(await readFile(join(path, file), 'utf8'));
    } catch (error) {
      throw new Error(`fixture ${name}: not valid JSON (${(error as Error).message})`);
    }
    cases.push(checkFixture({ ...(parsed as object), name }, name));
  }
  return cases;
}
