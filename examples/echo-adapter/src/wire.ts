/**
 * The Echo wire format: a made-up provider API, deliberately unlike OpenAI's, to show that an adapter owns its
 * format end to end. POST /v1/echo with the key in `x-echo-key`.
 */
export interface EchoTurn {
  speaker: 'system' | 'human' | 'bot';
  text: string;
}

export interface EchoRequest {
  model: string;
  turns: EchoTurn[];
  stream: boolean;
  /** Stop after this many words (reply ends "cut"). */
  maxWords?: number;
  /** Reply in capitals. */
  shout: boolean;
}

/** Word counts: Echo meters in words, not tokens. */
export interface EchoWords {
  heard: number;
  said: number;
}

export interface EchoResponse {
  id: string;
  model: string;
  /** Unix seconds. */
  at: number;
  said: string;
  ending: 'complete' | 'cut';
  words: EchoWords;
}

/** Stream events: `start` {id, at}, then `word` {text} per word, then `fin` {ending, words}. */
export type EchoEvent =
  | { event: 'start'; data: { id: string; at: number } }
  | { event: 'word'; data: { text: string } }
  | { event: 'fin'; data: { ending: EchoResponse['ending']; words: EchoWords } };

/** Error body: { problem: { kind, detail } }. */
export interface EchoProblem {
  problem: { kind: 'key' | 'input' | 'model' | 'too_long' | 'busy' | 'broken'; detail: string };
}
