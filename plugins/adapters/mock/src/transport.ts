import { setTimeout as sleep } from 'node:timers/promises';
import type { LocalResponse, UpstreamRequest } from '@sluice/core';
import { countTokens, embed, replyFor } from './model.js';
import type { MockStreamEvent, MockWireRequest, MockWireResponse } from './wire.js';

const encoder = new TextEncoder();
let counter = 0;

async function* once(text: string): AsyncGenerator<Uint8Array> {
  yield encoder.encode(text);
}

function answer(request: MockWireRequest): MockWireResponse {
  const id = `mock-${(++counter).toString(36)}`;
  const usageIn = request.inputs.reduce((n, text) => n + countTokens(text), 0) || countTokens(request.prompt);
  if (request.op === 'embeddings') {
    return { id, text: '', vectors: request.inputs.map((t) => embed(t, request.options.dimensions)), finish: 'stop', usage: { in: usageIn, out: 0 } };
  }
  const tool = request.tools[0];
  if (tool && /call tool/i.test(request.prompt)) {
    const args = JSON.stringify({ query: request.prompt.slice(0, 40) });
    return { id, text: '', toolCall: { name: tool, arguments: args }, finish: 'tool_calls', usage: { in: usageIn, out: countTokens(args) } };
  }
  const { tokens, truncated } = replyFor(request.prompt, request.options.reply, request.maxTokens);
  return { id, text: tokens.join(''), finish: truncated ? 'length' : 'stop', usage: { in: usageIn, out: tokens.length } };
}

async function* streamAnswer(request: MockWireRequest, response: MockWireResponse, signal: AbortSignal): AsyncGenerator<Uint8Array> {
  const frame = (e: MockStreamEvent): Uint8Array => encoder.encode(`event: ${e.event}\ndata: ${JSON.stringify(e.data)}\n\n`);
  const { firstTokenDelayMs, tokenDelayMs } = request.options;
  if (firstTokenDelayMs > 0) await sleep(firstTokenDelayMs, undefined, { signal });
  if (response.toolCall) {
    yield frame({ event: 'tool', data: response.toolCall });
  } else {
    const tokens = response.text.match(/\S+\s*/g) ?? [];
    for (const [i, text] of tokens.entries()) {
      if (i > 0 && tokenDelayMs > 0) await sleep(tokenDelayMs, undefined, { signal });
      yield frame({ event: 'token', data: { text } });
    }
  }
  yield frame({ event: 'done', data: { finish: response.finish, usage: response.usage } });
}

/** Answers in-process, as bytes in the mock wire format, so dispatch runs its normal path (status, SSE framing). */
export async function mockTransport(upstream: UpstreamRequest, signal: AbortSignal): Promise<LocalResponse> {
  const request = upstream.body as MockWireRequest;
  if (request.options.failStatus) {
    const status = request.options.failStatus;
    return { status, headers: { 'content-type': 'application/json' }, body: once(JSON.stringify({ error: `mock failure ${status}` })) };
  }
  const response = answer(request);
  if (!upstream.stream) return { status: 200, headers: { 'content-type': 'application/json' }, body: once(JSON.stringify(response)) };
  return { status: 200, headers: { 'content-type': 'text/event-stream' }, body: streamAnswer(request, response, signal) };
}
