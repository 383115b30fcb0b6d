// The Echo service itself: a tiny HTTP server speaking the Echo wire format, for the demo and the tests.
// `node dist/upstream.js` serves it on ECHO_PORT (default 9944) with key ECHO_KEY (default echo-secret-key).
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pathToFileURL } from 'node:url';
import type { EchoEvent, EchoProblem, EchoRequest, EchoResponse } from './wire.js';

const words = (text: string): string[] => text.split(/\s+/).filter(Boolean);

function reply(request: EchoRequest): EchoResponse {
  const heard = request.turns.reduce((n, turn) => n + words(turn.text).length, 0);
  const last = [...request.turns].reverse().find((turn) => turn.speaker === 'human')?.text ?? '';
  let said = words(`You said: ${last}`);
  const cut = request.maxWords !== undefined && said.length > request.maxWords;
  if (cut) said = said.slice(0, request.maxWords);
  const text = said.join(' ');
  return {
    id: `echo-${randomUUID()}`,
    model: request.model,
    at: Math.floor(Date.now() / 1000),
    said: request.shout ? text.toUpperCase() : text,
    ending: cut ? 'cut' : 'complete',
    words: { heard, said: said.length },
  };
}

function problem(res: ServerResponse, status: number, kind: EchoProblem['problem']['kind'], detail: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify({ problem: { kind, detail } } satisfies EchoProblem));
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const parts: Buffer[] = [];
  for await (const part of req) parts.push(part as Buffer);
  try {
    return JSON.parse(Buffer.concat(parts).toString('utf8'));
  } catch {
    return undefined;
  }
}

export interface EchoUpstream {
  url: string;
  /** How many requests it answered (tests check that a refused request never arrived). */
  readonly requests: number;
  close(): Promise<void>;
}

/** Starts the Echo service on 127.0.0.1. Model `echo-busy` always answers 429 with retry-after: 1. */
export async function startEchoUpstream(options: { key: string; port?: number }): Promise<EchoUpstream> {
  let requests = 0;
  const server = createServer((req, res) => {
    requests++;
    void (async () => {
      if (req.method !== 'POST' || req.url !== '/v1/echo') return problem(res, 404, 'input', `no route ${req.method} ${req.url}`);
      if (req.headers['x-echo-key'] !== options.key) return problem(res, 401, 'key', 'unknown x-echo-key');
      const request = (await readJson(req)) as EchoRequest | undefined;
      if (!request || !Array.isArray(request.turns)) return problem(res, 400, 'input', 'expected {model, turns, stream, shout}');
      if (request.model === 'echo-busy') return problem(res, 429, 'busy', 'too many echoes', { 'retry-after': '1' });
      const answer = reply(request);
      if (!request.stream) {
        res.writeHead(200, { 'content-type': 'application/json' });
        return void res.end(JSON.stringify(answer));
      }
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
      const send = (e: EchoEvent): boolean => res.write(`event: ${e.event}\ndata: ${JSON.stringify(e.data)}\n\n`);
      send({ event: 'start', data: { id: answer.id, at: answer.at } });
      for (const [i, word] of words(answer.said).entries()) send({ event: 'word', data: { text: i === 0 ? word : ` ${word}` } });
      send({ event: 'fin', data: { ending: answer.ending, words: answer.words } });
      res.end();
    })();
  });
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    get requests() {
      return requests;
    },
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const upstream = await startEchoUpstream({ key: process.env['ECHO_KEY'] ?? 'echo-secret-key', port: Number(process.env['ECHO_PORT'] ?? 9944) });
  console.log(`Echo service on ${upstream.url}`);
}
