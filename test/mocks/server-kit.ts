// The lifecycle every mock upstream shares (listen on loopback, failure queue, close with open sockets, abortable
// waits). The wire formats stay in each mock; only this plumbing is common.
import type { IncomingMessage, Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export interface MockFailure { status: number; body?: unknown; headers?: Record<string, string> }

/** A queue of forced failures: `take()` returns the next one (consuming one of its repetitions). */
export class FailureQueue {
  readonly #queue: { failure: MockFailure; remaining: number }[] = [];
  push(failure: MockFailure, times = 1): void {
    if (times > 0) this.#queue.push({ failure, remaining: times });
  }
  take(): MockFailure | undefined {
    const head = this.#queue[0];
    if (!head) return undefined;
    if (--head.remaining <= 0) this.#queue.shift();
    return head.failure;
  }
}

/** Tracks sockets so close() can end in-flight streams at once. */
export function trackSockets(server: Server): Set<Socket> {
  const sockets = new Set<Socket>();
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  return sockets;
}

/** Listens on 127.0.0.1 (port 0 = any) and returns the port. */
export async function listenLoopback(server: Server, port = 0): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  return (server.address() as AddressInfo).port;
}

/** close(): stops listening and destroys open sockets; idempotent. */
export function closer(server: Server, sockets: Set<Socket>): () => Promise<void> {
  let closing: Promise<void> | undefined;
  return () => {
    closing ??= new Promise<void>((resolve) => {
      server.close(() => resolve());
      for (const s of sockets) s.destroy();
    });
    return closing;
  };
}

export function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

/** Resolves true after `ms`, or false as soon as the exchange is aborted (no timer left behind). */
export function sleep(ms: number, signal: AbortSignal): Promise<boolean> {
  if (signal.aborted) return Promise.resolve(false);
  if (ms <= 0) return Promise.resolve(true);
  return new Promise((resolve) => {
    const onAbort = (): void => {
      clearTimeout(timer);
      resolve(false);
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve(true);
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
