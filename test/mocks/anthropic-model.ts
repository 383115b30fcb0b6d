/**
 * What the mock Anthropic upstream answers, decided from the request the way the real API behaves: thinking
 * blocks with signatures it can verify later, tool_use for every offered tool when asked to "call tool", the reply
 * text cut by stop_sequences and max_tokens, and prompt-cache accounting from cache_control marks.
 */
import { createHash } from 'node:crypto';
import * as wire from './anthropic-wire.js';

type Rec = Record<string, unknown>;

export interface Plan { answer: wire.Answer }
export interface Rejection { status: number; body: wire.AnthropicErrorBody }

const blocksOf = (content: unknown): Rec[] =>
  typeof content === 'string' ? [{ type: 'text', text: content }] : Array.isArray(content) ? content.filter(wire.isRecord) : [];

function blockText(block: Rec): string {
  if (typeof block['text'] === 'string') return block['text'];
  if (block['type'] === 'tool_result') return blocksOf(block['content']).map(blockText).join(' ');
  if (block['type'] === 'tool_use') return JSON.stringify(block['input'] ?? {});
  return '';
}

const lastOf = (messages: Rec[], role: string): Rec | undefined => [...messages].reverse().find((m) => m['role'] === role);
const textOf = (message: Rec | undefined): string => (message ? blocksOf(message['content']).map(blockText).join(' ') : '');
const hasToolResult = (message: Rec | undefined): boolean => blocksOf(message?.['content']).some((b) => b['type'] === 'tool_result');

/** The API's checks on thinking blocks sent back: the signature must be one it minted, for that very text. */
export function checkThinking(body: Rec): Rejection | undefined {
  const messages = (body['messages'] as unknown[]).filter(wire.isRecord);
  for (const [i, m] of messages.entries()) {
    if (m['role'] !== 'assistant') continue;
    for (const [j, b] of blocksOf(m['content']).entries()) {
      const at = `messages.${i}.content.${j}`;
      if (b['type'] === 'thinking' && b['signature'] !== wire.signThinking(String(b['thinking'] ?? ''))) {
        return { status: 400, body: wire.anthropicErrors.invalidSignature(at) };
      }
      if (b['type'] === 'redacted_thinking' && b['data'] !== wire.REDACTED_DATA) {
        return { status: 400, body: { type: 'error', error: { type: 'invalid_request_error', message: `${at}: Invalid \`data\` in \`redacted_thinking\` block` } } };
      }
    }
  }
  const thinking = wire.isRecord(body['thinking']) && body['thinking']['type'] !== 'disabled';
  if (!thinking || !hasToolResult(messages.at(-1))) return undefined;
  const index = messages.length - 2;
  const assistant = messages[index];
  const first = blocksOf(assistant?.['content'])[0];
  if (assistant?.['role'] === 'assistant' && first && first['type'] !== 'thinking' && first['type'] !== 'redacted_thinking') {
    return { status: 400, body: wire.anthropicErrors.thinkingFirst(`messages.${index}.content.0`, String(first['type'])) };
  }
  return undefined;
}

/**
 * Token accounting with a prompt cache: the prompt is tools, then system, then messages; the prefix up to the last
 * cache_control mark is written to the cache the first time it is seen and read from it afterwards. Unlike the real
 * API there is no minimum cacheable length, so small test prompts cache too.
 */
export function promptCounts(body: Rec, cache: Set<string>): Omit<wire.UsageCounts, 'output'> {
  const items: { tokens: number; mark: Rec | undefined; key: string }[] = [];
  const push = (block: Rec, tokens: number): void => {
    items.push({ tokens, mark: wire.isRecord(block['cache_control']) ? block['cache_control'] : undefined, key: JSON.stringify(block) });
  };
  for (const tool of Array.isArray(body['tools']) ? body['tools'].filter(wire.isRecord) : []) push(tool, wire.countWords(JSON.stringify(tool)));
  for (const block of blocksOf(body['system'])) push(block, wire.countWords(blockText(block)));
  for (const m of (body['messages'] as unknown[]).filter(wire.isRecord)) {
    for (const block of blocksOf(m['content'])) push(block, block['type'] === 'image' ? 100 : wire.countWords(blockText(block)));
  }
  const total = items.reduce((n, i) => n + i.tokens, 0);
  const last = items.map((i) => i.mark !== undefined).lastIndexOf(true);
  if (last < 0) return { input: total, cacheCreation: 0, cacheRead: 0, ttl1h: false };
  const prefix = items.slice(0, last + 1);
  const cached = prefix.reduce((n, i) => n + i.tokens, 0);
  const key = createHash('sha256').update(prefix.map((i) => i.key).join('\n')).digest('hex');
  const hit = cache.has(key);
  cache.add(key);
  const ttl1h = items[last]?.mark?.['ttl'] === '1h';
  return { input: total - cached, cacheCreation: hit ? 0 : cached, cacheRead: hit ? cached : 0, ttl1h };
}

function customTools(body: Rec): Rec[] {
  const tools = Array.isArray(body['tools']) ? body['tools'].filter(wire.isRecord) : [];
  return tools.filter((t) => t['type'] === undefined || t['type'] === 'custom');
}

/** Decides the answer: [redacted_thinking] [thinking] then text, or a short text and tool_use blocks. */
export function plan(body: Rec, reply: string, thinkingText: string, cache: Set<string>): wire.Answer {
  const messages = (body['messages'] as unknown[]).filter(wire.isRecord);
  const lastUser = lastOf(messages, 'user');
  const prompt = textOf(lastUser);
  const blocks: wire.Block[] = [];
  const pieces = new Map<number, string[]>();
  let output = 0;
  const thinking = body['thinking'];
  if (wire.isRecord(thinking) && thinking['type'] !== 'disabled') {
    if (prompt.includes(wire.REDACTED_TRIGGER)) blocks.push({ type: 'redacted_thinking', data: wire.REDACTED_DATA });
    blocks.push({ type: 'thinking', thinking: thinkingText, signature: wire.signThinking(thinkingText) });
    output += wire.countWords(thinkingText);
  }
  const choice = wire.isRecord(body['tool_choice']) ? body['tool_choice'] : {};
  let tools = customTools(body);
  if (choice['type'] === 'tool') tools = tools.filter((t) => t['name'] === choice['name']);
  if (choice['disable_parallel_tool_use'] === true) tools = tools.slice(0, 1);
  const wantsTools = tools.length > 0 && choice['type'] !== 'none' && !hasToolResult(lastUser) && /call tool/i.test(prompt);

  let stopReason: wire.Answer['stopReason'] = 'end_turn';
  let stopSequence: string | null = null;
  if (wantsTools) {
    pieces.set(blocks.length, ['Let', ' me', ' check.']);
    blocks.push({ type: 'text', text: 'Let me check.' });
    for (const tool of tools) {
      const input = wire.sampleValue(tool['input_schema']) as Rec;
      blocks.push({ type: 'tool_use', id: wire.newToolUseId(), name: String(tool['name']), input });
      output += 1 + wire.fragment(JSON.stringify(input), 4).length;
    }
    output += 3;
    stopReason = 'tool_use';
  } else {
    let text = reply;
    for (const seq of Array.isArray(body['stop_sequences']) ? body['stop_sequences'].map(String) : []) {
      const at = text.indexOf(seq);
      if (seq !== '' && at >= 0) {
        text = text.slice(0, at);
        stopReason = 'stop_sequence';
        stopSequence = seq;
      }
    }
    let split = wire.splitText(text);
    const max = typeof body['max_tokens'] === 'number' ? body['max_tokens'] - output : Infinity;
    if (split.length > max) {
      split = split.slice(0, Math.max(0, max));
      stopReason = 'max_tokens';
      stopSequence = null;
    }
    pieces.set(blocks.length, split);
    blocks.push({ type: 'text', text: split.join('') });
    output += split.length;
  }
  return {
    id: wire.newMessageId(),
    model: String(body['model']),
    blocks,
    pieces,
    stopReason,
    stopSequence,
    counts: { ...promptCounts(body, cache), output },
  };
}
