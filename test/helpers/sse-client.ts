import { request } from 'undici';

export interface TimedEvent {
  at: number;
  text: string;
}

/**
 * POSTs and reads the raw SSE body, stamping each received piece with the time since the request started.
 * Raw bytes (not an SDK) so the test sees exactly what the wire carries, comments included.
 */
export async function postStream(url: string, key: string, body: unknown, signal?: AbortSignal): Promise<{ status: number; headers: Record<string, unknown>; pieces: TimedEvent[]; text: string }> {
  const started = performance.now();
  const response = await request(url, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
    ...(signal ? { signal } : {}),
  });
  const pieces: TimedEvent[] = [];
  for await (const bytes of response.body) pieces.push({ at: performance.now() - started, text: Buffer.from(bytes).toString('utf8') });
  return { status: response.statusCode, headers: response.headers, pieces, text: pieces.map((p) => p.text).join('') };
}

export function dataEvents(text: string): string[] {
  return text
    .split('\n\n')
    .filter((block) => block.startsWith('data: '))
    .map((block) => block.slice('data: '.length));
}
