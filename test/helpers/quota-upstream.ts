// An OpenAI-format upstream that streams but never reports usage (as some OpenAI-compatible servers do, even when
// asked with stream_options.include_usage): what the gateway must then count itself.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface SilentUpstream { url: string; close(): Promise<void> }

export async function startUsagelessUpstream(words: string[]): Promise<SilentUpstream> {
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      const frame = (delta: Record<string, unknown>, finish: string | null): string =>
        `data: ${JSON.stringify({ id: 'chatcmpl-x', object: 'chat.completion.chunk', created: 1, model: 'gpt-4o-mini', choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`;
      res.write(frame({ role: 'assistant', content: '' }, null));
      for (const word of words) res.write(frame({ content: word }, null));
      res.write(frame({}, 'stop'));
      res.end('data: [DONE]\n\n');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/v1`,
    close: () => new Promise((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}
