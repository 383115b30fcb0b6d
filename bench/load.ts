/** Load generation (autocannon, in the parent process) and a one-request correctness check per target. */
import autocannon from 'autocannon';

export interface Scenario {
  name: string;
  stream: boolean;
  connections: number;
}

export interface Target {
  name: 'direct' | 'proxy' | 'gateway';
  /** Full URL of POST /v1/chat/completions on this target. */
  url: string;
  /** The bearer key this target expects (the upstream's own key for direct/proxy, a tenant key for the gateway). */
  key: string;
}

export interface LoadResult {
  durationS: number;
  /** Responses received (any status). */
  responses: number;
  ok: number;
  non2xx: number;
  errors: number;
  timeouts: number;
  statusCodes: Record<string, number>;
  /** First few distinct request errors, for the report. */
  errorSamples: string[];
  /** Latency of each 2xx response (ms, full body received), unsorted. */
  latenciesMs: number[];
}

export function requestBody(model: string, stream: boolean): string {
  return JSON.stringify({
    model,
    messages: [
      { role: 'system', content: 'You are a concise assistant.' },
      { role: 'user', content: 'Say hello to the benchmark in about twenty words.' },
    ],
    ...(stream && { stream: true, stream_options: { include_usage: true } }),
  });
}

export async function runLoad(target: Target, scenario: Scenario, model: string, durationS: number): Promise<LoadResult> {
  const latenciesMs: number[] = [];
  const errorSamples = new Set<string>();
  const instance = autocannon({
    url: target.url,
    method: 'POST',
    headers: { authorization: `Bearer ${target.key}`, 'content-type': 'application/json' },
    body: requestBody(model, scenario.stream),
    connections: scenario.connections,
    duration: durationS,
    timeout: 10,
  });
  // autocannon's own histogram has 1 ms buckets; keep the exact values (cheap: one push per response).
  instance.on('response', (_client, statusCode, _bytes, responseTimeMs) => {
    if (statusCode >= 200 && statusCode < 300) latenciesMs.push(responseTimeMs);
  });
  instance.on('reqError', (error) => {
    if (errorSamples.size < 5) errorSamples.add(error.message);
  });
  const result = await instance;
  const statusCodes: Record<string, number> = {};
  for (const [code, { count }] of Object.entries(result.statusCodeStats)) statusCodes[code] = count;
  return {
    durationS: result.duration,
    responses: Object.values(statusCodes).reduce((a, b) => a + b, 0),
    ok: result['2xx'],
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
    statusCodes,
    errorSamples: [...errorSamples],
    latenciesMs,
  };
}

/**
 * Sends one request and checks the answer is the real thing (full reply text, well-formed SSE ending in [DONE]),
 * so a target that answers fast with errors or truncated bodies cannot pass as fast. Returns a problem or undefined.
 */
export async function preflight(target: Target, stream: boolean, model: string, reply: string): Promise<string | undefined> {
  try {
    const response = await fetch(target.url, {
      method: 'POST',
      headers: { authorization: `Bearer ${target.key}`, 'content-type': 'application/json' },
      body: requestBody(model, stream),
    });
    const text = await response.text();
    if (response.status !== 200) return `HTTP ${response.status}: ${text.slice(0, 300)}`;
    return stream ? checkStream(text, reply) : checkJson(text, reply);
  } catch (error) {
    return `request failed: ${String(error)}`;
  }
}

function checkJson(text: string, reply: string): string | undefined {
  const body = JSON.parse(text) as { choices?: { message?: { content?: unknown } }[] };
  const content = body.choices?.[0]?.message?.content;
  return content === reply ? undefined : `unexpected content ${JSON.stringify(content)}`;
}

function checkStream(text: string, reply: string): string | undefined {
  const data = text
    .split('\n')
    .filter((line) => line.startsWith('data:'))
    .map((line) => line.slice(5).trim());
  if (data.at(-1) !== '[DONE]') return 'stream does not end with data: [DONE]';
  let content = '';
  let sawUsage = false;
  for (const payload of data.slice(0, -1)) {
    const chunk = JSON.parse(payload) as { choices?: { delta?: { content?: unknown } }[]; usage?: unknown };
    const piece = chunk.choices?.[0]?.delta?.content;
    if (typeof piece === 'string') content += piece;
    if (chunk.usage) sawUsage = true;
  }
  if (content !== reply) return `streamed content ${JSON.stringify(content)} differs from the reply`;
  if (!sawUsage) return 'stream has no usage chunk although include_usage was asked';
  return undefined;
}

/** Sorted-copy percentile (nearest rank). */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = Float64Array.from(values).sort();
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank] ?? Number.NaN;
}
