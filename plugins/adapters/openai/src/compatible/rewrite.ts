// Vendor quirks as data: field renames and drops on the request body, field renames on the response.
// Everything here is copy-on-write: the encoded body shares nested objects with the (frozen) canonical request.

type Wire = Record<string, unknown>;

const isRecord = (value: unknown): value is Wire => value !== null && typeof value === 'object' && !Array.isArray(value);

interface Segment {
  key: string;
  /** `key[]`: the rest of the path applies to every item of the array at `key`. */
  each: boolean;
}

/** `messages[].name` → [{messages, each}, {name}] */
export function parsePath(path: string): Segment[] {
  return path.split('.').map((part) => (part.endsWith('[]') ? { key: part.slice(0, -2), each: true } : { key: part, each: false }));
}

/** A copy of `node` without the field at `segments`, and the values that were removed (none: `node` itself). */
export function without(node: unknown, segments: readonly Segment[]): { value: unknown; removed: unknown[] } {
  const [segment, ...rest] = segments;
  if (!segment || !isRecord(node) || !Object.hasOwn(node, segment.key)) return { value: node, removed: [] };
  const child = node[segment.key];
  if (rest.length === 0) {
    const copy = { ...node };
    delete copy[segment.key];
    return { value: copy, removed: [child] };
  }
  if (segment.each) {
    if (!Array.isArray(child)) return { value: node, removed: [] };
    const removed: unknown[] = [];
    const items = child.map((item: unknown) => {
      const result = without(item, rest);
      removed.push(...result.removed);
      return result.value;
    });
    return removed.length === 0 ? { value: node, removed } : { value: { ...node, [segment.key]: items }, removed };
  }
  const inner = without(child, rest);
  return inner.removed.length === 0 ? { value: node, removed: [] } : { value: { ...node, [segment.key]: inner.value }, removed: inner.removed };
}

/**
 * Values the gateway adds on its own are not the client's loss: `stream_options: {include_usage: true}` is how core
 * meters streams (and it still answers the client's include_usage when the vendor reports usage unasked).
 */
function gatewayOwned(path: string, removed: readonly unknown[]): boolean {
  if (path === 'encoding_format') return true; // core always asks for floats and encodes base64 itself
  return path === 'stream_options' && removed.every((v) => isRecord(v) && Object.keys(v).every((k) => k === 'include_usage'));
}

export interface BodyQuirks {
  rename: Readonly<Record<string, string>>;
  drop: readonly string[];
}

/** Applies renames (top-level fields), then drops (paths); reports every client field that does not reach the vendor. */
export function rewriteBody(body: Wire, quirks: BodyQuirks, report: (field: string, reason: string) => void, vendor: string): Wire {
  let out = body;
  for (const [from, to] of Object.entries(quirks.rename)) {
    if (!Object.hasOwn(out, from)) continue;
    const { [from]: value, ...rest } = out;
    if (Object.hasOwn(rest, to)) {
      report(from, `${vendor} takes it as '${to}', which the request already sets`);
      out = rest;
    } else {
      out = { ...rest, [to]: value };
    }
  }
  for (const path of quirks.drop) {
    const result = without(out, parsePath(path));
    if (result.removed.length === 0) continue;
    out = result.value as Wire;
    if (!gatewayOwned(path, result.removed)) report(path, `${vendor} does not accept it`);
  }
  return out;
}

function renameKeys(wire: unknown, renames: Readonly<Record<string, string>>): unknown {
  if (!isRecord(wire)) return wire;
  let out: Wire | undefined;
  for (const [from, to] of Object.entries(renames)) {
    // The standard name wins when a vendor sends both; the other stays as a same-format extra.
    if (!Object.hasOwn(wire, from) || Object.hasOwn(wire, to)) continue;
    out ??= { ...wire };
    out[to] = out[from];
    delete out[from];
  }
  return out ?? wire;
}

/** Renames fields of each choice's `message` (responses) and `delta` (stream chunks), e.g. reasoning → reasoning_content. */
export function renameChoiceFields(wire: Wire, renames: Readonly<Record<string, string>>): Wire {
  if (Object.keys(renames).length === 0 || !Array.isArray(wire['choices'])) return wire;
  const choices = (wire['choices'] as unknown[]).map((choice) => {
    if (!isRecord(choice)) return choice;
    const out = { ...choice };
    if (isRecord(choice['message'])) out['message'] = renameKeys(choice['message'], renames);
    if (isRecord(choice['delta'])) out['delta'] = renameKeys(choice['delta'], renames);
    return out;
  });
  return { ...wire, choices };
}

/** A vendor reporting cached prompt tokens in its own usage field (DeepSeek: prompt_cache_hit_tokens) → OpenAI's place. */
export function withCachedTokens(wire: Wire, field: string | undefined): Wire {
  const usage = wire['usage'];
  if (!field || !isRecord(usage) || typeof usage[field] !== 'number') return wire;
  const details = isRecord(usage['prompt_tokens_details']) ? usage['prompt_tokens_details'] : {};
  if (typeof details['cached_tokens'] === 'number') return wire;
  return { ...wire, usage: { ...usage, prompt_tokens_details: { ...details, cached_tokens: usage[field] } } };
}
