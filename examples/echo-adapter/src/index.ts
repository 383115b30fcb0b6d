// sluice-adapter-echo: a complete third-party adapter in one file. It imports only @sluice/core's public contract.
import {
  defineAdapter,
  kindForStatus,
  upstreamError,
  type AdapterContext,
  type ChatMessage,
  type ChatRequest,
  type ChatChunk,
  type FinishReason,
  type UpstreamErrorKind,
  type Usage,
} from '@sluice/core';
import type { EchoEvent, EchoProblem, EchoRequest, EchoResponse, EchoTurn, EchoWords } from './wire.js';

/** The channel's `options:` (validated by core against `schema` below, defaults applied). */
export interface EchoOptions {
  shout: boolean;
}

const SPEAKERS: Record<ChatMessage['role'], EchoTurn['speaker']> = {
  system: 'system',
  developer: 'system',
  user: 'human',
  tool: 'human',
  assistant: 'bot',
};

const ENDINGS: Record<EchoResponse['ending'], FinishReason> = { complete: 'stop', cut: 'length' };

/** Echo has no images, tools or sampling: anything it cannot carry is reported, never dropped silently. */
function reportLosses(request: Readonly<ChatRequest>, ctx: AdapterContext<EchoOptions>): void {
  const unsupported: [keyof ChatRequest, string][] = [['tools', 'tools'], ['toolChoice', 'tool_choice'], ['temperature', 'temperature'], ['topP', 'top_p'], ['stop', 'stop'], ['n', 'n']];
  for (const [field, wireName] of unsupported) if (request[field] !== undefined) ctx.drop(wireName, 'Echo has no such feature');
  if (request.messages.some((m) => Array.isArray(m.content) && m.content.some((p) => p.type !== 'text'))) ctx.drop('messages[].content[].image_url', 'Echo reads text only');
  if (request.messages.some((m) => m.tool_calls?.length)) ctx.drop('messages[].tool_calls', 'Echo has no tools');
}

function textOf(message: ChatMessage): string {
  if (typeof message.content === 'string') return message.content;
  return (message.content ?? []).flatMap((part) => (part.type === 'text' && typeof part['text'] === 'string' ? [part['text']] : [])).join(' ');
}

const usageOf = (words: EchoWords): Usage => ({ input: words.heard, output: words.said });

/** Problem kinds → the gateway's error kinds (the status decides the rest, e.g. 503 overloaded vs 429 rate limited). */
const PROBLEM_KINDS: Partial<Record<EchoProblem['problem']['kind'], UpstreamErrorKind>> = {
  key: 'auth',
  input: 'bad_request',
  model: 'not_found',
  too_long: 'context_length',
  broken: 'server',
};

export const echoAdapter = defineAdapter<EchoOptions>({
  id: 'echo',
  schema: {
    type: 'object',
    additionalProperties: false,
    properties: { shout: { type: 'boolean', default: false, description: 'Ask Echo to reply in capitals.' } },
  },
  operations: ['chat'],
  toUpstream(request, ctx) {
    // The router only sends operations listed above, so this is a programmer error, not a client one.
    if (request.operation !== 'chat') throw new Error(`echo does not serve ${request.operation}`);
    reportLosses(request, ctx);
    const body: EchoRequest = {
      model: ctx.upstreamModel,
      turns: request.messages.map((m) => ({ speaker: SPEAKERS[m.role], text: textOf(m) })), // new objects: never mutate the input
      stream: request.stream,
      shout: ctx.options.shout,
    };
    if (request.maxTokens !== undefined) body.maxWords = request.maxTokens;
    // The key goes in a header, never in the path or body (the testkit checks it).
    return { method: 'POST', path: '/v1/echo', headers: { 'x-echo-key': ctx.apiKey }, body, stream: request.stream };
  },
  fromUpstream(body, request) {
    const wire = body as EchoResponse;
    return {
      response: {
        operation: 'chat',
        id: wire.id,
        created: wire.at,
        model: wire.model,
        choices: [{ index: 0, message: { role: 'assistant', content: wire.said }, finishReason: ENDINGS[wire.ending] ?? 'stop' }],
      },
      usage: usageOf(wire.words),
    };
  },
  createStream(_request, ctx) {
    // Per-request state: the translator is created for one call and holds what later events need.
    let id = '';
    let created = 0;
    let first = true;
    let usage: Usage = {}; // "not reported" until `fin` says otherwise: never invent zeros
    const chunk = (delta: ChatChunk['choices'][number]['delta'], finishReason: FinishReason | null): ChatChunk => {
      if (first) delta.role = 'assistant';
      first = false;
      return { operation: 'chat', id, created, model: ctx.upstreamModel, choices: [{ index: 0, delta, finishReason }] }; // as fromUpstream reports it
    };
    return {
      push(event) {
        const parsed = { event: event.event, data: JSON.parse(event.data) } as EchoEvent;
        switch (parsed.event) {
          case 'start':
            ({ id, at: created } = parsed.data);
            return [];
          case 'word':
            return [chunk({ content: parsed.data.text }, null)];
          case 'fin':
            usage = usageOf(parsed.data.words);
            return [chunk({}, ENDINGS[parsed.data.ending] ?? 'stop')];
          default:
            return []; // events added to the Echo API later are ignored, not fatal
        }
      },
      end: () => [],
      usage: () => usage,
    };
  },
  mapError(status, body, headers) {
    const problem = (body as Partial<EchoProblem> | null | undefined)?.problem;
    const kind = (problem && PROBLEM_KINDS[problem.kind]) ?? kindForStatus(status);
    const message = typeof problem?.detail === 'string' ? problem.detail : typeof body === 'string' && body ? body.slice(0, 300) : `echo answered ${status}`;
    return upstreamError(status, kind, message, headers); // fills retryable and retryAfterMs (retry-after header)
  },
});

export default echoAdapter;
