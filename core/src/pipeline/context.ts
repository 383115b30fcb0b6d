import type { Logger } from 'pino';
import type { CanonicalRequest } from '../contracts/canonical.js';
import type { RelayContext, TraceEntry } from '../contracts/context.js';

export interface ContextInit {
  id: string;
  surface: string;
  request: CanonicalRequest;
  headers: Readonly<Record<string, string | undefined>>;
  query: Readonly<Record<string, string | undefined>>;
  clientIp: string;
  signal: AbortSignal;
  log: Logger;
  dryRun?: boolean;
}

export function createContext(init: ContextInit): RelayContext {
  const trace: TraceEntry[] = [];
  return {
    id: init.id,
    surface: init.surface,
    operation: init.request.operation,
    request: init.request,
    headers: init.headers,
    query: init.query,
    clientIp: init.clientIp,
    startedAt: Date.now(),
    signal: init.signal,
    log: init.log,
    dryRun: init.dryRun ?? false,
    attempts: [],
    trace,
    responseHeaders: {},
    dropped: [],
    plugins: {},
    note(by, message, data) {
      const entry: TraceEntry = { by, at: Date.now(), message };
      if (data !== undefined) entry.data = data;
      trace.push(entry);
    },
  };
}
