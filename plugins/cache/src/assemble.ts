import type {
  CanonicalChunk,
  ChatChoice,
  ChatChunk,
  ChatDelta,
  ChatMessage,
  ChatResponse,
  CompletionChunk,
  CompletionResponse,
  FinishReason,
  ReasoningBlock,
  ToolCall,
  VendorExtra,
} from '@sluice/core';

/**
 * Stream ⇄ response conversion, for replaying a cached answer in the form the client asked for. The rules follow
 * what the official SDKs do when they accumulate a stream: content and tool-call arguments concatenate, a tool
 * call's id/type/name are set by the delta that carries them (by tool-call index), the last finish_reason wins.
 */

/** Same-format extras: strings and arrays concatenate (refusal, logprobs.content), objects merge, else last wins. */
function mergeValue(into: unknown, value: unknown): unknown {
  if (value === null || value === undefined) return into;
  if (typeof into === 'string' && typeof value === 'string') return into + value;
  if (Array.isArray(into) && Array.isArray(value)) return [...(into as unknown[]), ...(value as unknown[])];
  if (isRecord(into) && isRecord(value)) {
    const out: Record<string, unknown> = { ...into };
    for (const [k, v] of Object.entries(value)) out[k] = mergeValue(out[k], v);
    return out;
  }
  return value;
}
const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Chunk-level extras (system_fingerprint, service_tier) repeat on every chunk: the last stands, minus stream padding. */
function chunkExtra(previous: VendorExtra | undefined, extra: VendorExtra | undefined): VendorExtra | undefined {
  if (!extra) return previous;
  const { obfuscation: _padding, ...fields } = extra.fields;
  return Object.keys(fields).length > 0 ? { format: extra.format, fields } : previous;
}

function mergeExtra(into: VendorExtra | undefined, extra: VendorExtra | undefined): VendorExtra | undefined {
  if (!extra) return into;
  if (!into || into.format !== extra.format) return { format: extra.format, fields: { ...extra.fields } };
  return { format: into.format, fields: mergeValue(into.fields, extra.fields) as Record<string, unknown> };
}

interface ChoiceState {
  index: number;
  content: string;
  blocks: ReasoningBlock[];
  open: ReasoningBlock | undefined;
  tools: Map<number, ToolCall>;
  finish: FinishReason | null;
  messageExtra: VendorExtra | undefined;
  choiceExtra: VendorExtra | undefined;
}

function applyDelta(state: ChoiceState, delta: ChatDelta): void {
  if (delta.content !== undefined) state.content += delta.content;
  // Reasoning text accumulates into the open block; a signature closes it; an encrypted block stands alone.
  if (delta.reasoning !== undefined) {
    state.open ??= {};
    state.open.text = (state.open.text ?? '') + delta.reasoning;
  }
  if (delta.reasoningSignature !== undefined) {
    const block = state.open ?? {};
    block.signature = delta.reasoningSignature;
    state.blocks.push(block);
    state.open = undefined;
  }
  if (delta.reasoningRedacted !== undefined) {
    if (state.open) state.blocks.push(state.open);
    state.open = undefined;
    state.blocks.push({ redacted: delta.reasoningRedacted });
  }
  for (const d of delta.toolCalls ?? []) {
    let call = state.tools.get(d.index);
    if (!call) {
      call = { id: '', type: 'function', function: { name: '', arguments: '' } };
      state.tools.set(d.index, call);
    }
    if (d.id) call.id = d.id;
    if (d.function?.name) call.function.name = d.function.name;
    if (d.function?.arguments) call.function.arguments += d.function.arguments;
  }
  state.messageExtra = mergeExtra(state.messageExtra, delta.extra);
}

function toChoice(state: ChoiceState): ChatChoice {
  const blocks = state.open ? [...state.blocks, state.open] : state.blocks;
  const toolCalls = [...state.tools.entries()].sort(([a], [b]) => a - b).map(([, call]) => call);
  // As a non-stream answer has it: text if any; null beside tool calls; '' for an empty answer.
  const text = state.content;
  const message: ChatMessage = { role: 'assistant', content: text !== '' ? text : toolCalls.length > 0 ? null : '' };
  if (toolCalls.length > 0) message.tool_calls = toolCalls;
  if (blocks.length > 0) message.reasoning = blocks;
  if (state.messageExtra) message.extra = state.messageExtra;
  const choice: ChatChoice = { index: state.index, message, finishReason: state.finish };
  if (state.choiceExtra) choice.extra = state.choiceExtra;
  return choice;
}

/** A complete chat stream → the chat.completion a non-streaming client would have received. */
export function assembleChat(chunks: readonly ChatChunk[]): ChatResponse {
  const states = new Map<number, ChoiceState>();
  let extra: VendorExtra | undefined;
  for (const chunk of chunks) {
    extra = chunkExtra(extra, chunk.extra);
    for (const c of chunk.choices) {
      let state = states.get(c.index);
      if (!state) {
        state = { index: c.index, content: '', blocks: [], open: undefined, tools: new Map(), finish: null, messageExtra: undefined, choiceExtra: undefined };
        states.set(c.index, state);
      }
      applyDelta(state, c.delta);
      if (c.finishReason !== null) state.finish = c.finishReason;
      state.choiceExtra = mergeExtra(state.choiceExtra, c.extra);
    }
  }
  const first = chunks[0];
  const response: ChatResponse = {
    operation: 'chat',
    id: first?.id ?? '',
    created: first?.created ?? 0,
    model: first?.model ?? '',
    choices: [...states.values()].sort((a, b) => a.index - b.index).map(toChoice),
  };
  if (extra) response.extra = extra;
  return response;
}

export function assembleCompletion(chunks: readonly CompletionChunk[]): CompletionResponse {
  const choices = new Map<number, { text: string; finish: FinishReason | null }>();
  let extra: VendorExtra | undefined;
  for (const chunk of chunks) {
    extra = chunkExtra(extra, chunk.extra);
    for (const c of chunk.choices) {
      const state = choices.get(c.index) ?? { text: '', finish: null };
      state.text += c.text;
      if (c.finishReason !== null) state.finish = c.finishReason;
      choices.set(c.index, state);
    }
  }
  const first = chunks[0];
  const response: CompletionResponse = {
    operation: 'completions',
    id: first?.id ?? '',
    created: first?.created ?? 0,
    model: first?.model ?? '',
    choices: [...choices.entries()].sort(([a], [b]) => a - b).map(([index, s]) => ({ index, text: s.text, finishReason: s.finish })),
  };
  if (extra) response.extra = extra;
  return response;
}

/** Chunks → response; undefined for an empty or mixed sequence (never stored, see isComplete). */
export function assemble(chunks: readonly CanonicalChunk[]): ChatResponse | CompletionResponse | undefined {
  if (chunks.length === 0) return undefined;
  if (chunks.every((c): c is ChatChunk => c.operation === 'chat')) return assembleChat(chunks);
  if (chunks.every((c): c is CompletionChunk => c.operation === 'completions')) return assembleCompletion(chunks);
  return undefined;
}

/** A cached chat.completion → the chunk sequence a streaming client expects: role, reasoning, content, tools, finish. */
export function chatToChunks(response: ChatResponse): ChatChunk[] {
  const base = { operation: 'chat' as const, id: response.id, created: response.created, model: response.model };
  const chunk = (index: number, delta: ChatDelta, finishReason: FinishReason | null = null): ChatChunk => {
    const out: ChatChunk = { ...base, choices: [{ index, delta, finishReason }] };
    if (response.extra) out.extra = response.extra;
    return out;
  };
  const chunks: ChatChunk[] = [];
  for (const choice of response.choices) {
    const m = choice.message;
    const first: ChatDelta = { role: 'assistant' };
    if (m.extra) first.extra = m.extra;
    chunks.push(chunk(choice.index, first));
    for (const block of m.reasoning ?? []) {
      const delta: ChatDelta = {};
      if (block.redacted !== undefined) delta.reasoningRedacted = block.redacted;
      else {
        if (block.text !== undefined) delta.reasoning = block.text;
        if (block.signature !== undefined) delta.reasoningSignature = block.signature;
      }
      chunks.push(chunk(choice.index, delta));
    }
    const text = typeof m.content === 'string' ? m.content : (m.content ?? []).map((p) => (p.type === 'text' && typeof p['text'] === 'string' ? p['text'] : '')).join('');
    if (text !== '') chunks.push(chunk(choice.index, { content: text }));
    const calls = m.tool_calls ?? [];
    if (calls.length > 0) {
      chunks.push(chunk(choice.index, { toolCalls: calls.map((c, index) => ({ index, id: c.id, type: c.type, function: { name: c.function.name, arguments: c.function.arguments } })) }));
    }
    const last = chunk(choice.index, {}, choice.finishReason);
    const lastChoice = last.choices[0];
    if (choice.extra && lastChoice) lastChoice.extra = choice.extra;
    chunks.push(last);
  }
  return chunks;
}

export function completionToChunks(response: CompletionResponse): CompletionChunk[] {
  return response.choices.map((c) => {
    const chunk: CompletionChunk = { operation: 'completions', id: response.id, created: response.created, model: response.model, choices: [{ index: c.index, text: c.text, finishReason: c.finishReason }] };
    if (response.extra) chunk.extra = response.extra;
    return chunk;
  });
}
