/** The mock's own tiny wire format: it proves the adapter contract carries a non-OpenAI format end to end. */
export interface MockWireRequest {
  op: 'chat' | 'completions' | 'embeddings';
  model: string;
  prompt: string;
  inputs: string[];
  stream: boolean;
  maxTokens?: number;
  tools: string[];
  options: MockOptions;
}

export interface MockOptions {
  /** Fixed reply text (default: an echo of the prompt). */
  reply?: string;
  /** Delay before the first streamed token, ms. */
  firstTokenDelayMs: number;
  /** Delay between streamed tokens, ms. */
  tokenDelayMs: number;
  /** Embedding size. */
  dimensions: number;
  /** Answer every call with this HTTP status (for failover tests). */
  failStatus?: number;
}

export interface MockWireResponse {
  id: string;
  text: string;
  toolCall?: { name: string; arguments: string };
  vectors?: number[][];
  finish: 'stop' | 'length' | 'tool_calls';
  usage: { in: number; out: number };
}

/** Stream events: `event: token` {text}, `event: tool` {name, arguments}, `event: done` {finish, usage}. */
export type MockStreamEvent =
  | { event: 'token'; data: { text: string } }
  | { event: 'tool'; data: { name: string; arguments: string } }
  | { event: 'done'; data: { finish: MockWireResponse['finish']; usage: MockWireResponse['usage'] } };
