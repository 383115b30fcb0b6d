// Same-format streams: an Anthropic capture through the translator and back through the surface's encoder comes
// out as the same events (pings aside), so an Anthropic client behind the gateway sees what the upstream sent.
import t from 'tap';
import { SseParser, type CanonicalChunk, type ChatRequest, type RelayContext } from '@sluice/core';
import anthropic, { anthropicSurface } from '@sluice/adapter-anthropic';
import { context, fixture } from './helpers.js';

type Wire = Record<string, unknown>;
const request: ChatRequest = { operation: 'chat', model: 'claude', messages: [{ role: 'user', content: 'hi' }], stream: true, includeUsage: true };

function events(text: string): { event: string | undefined; data: Wire }[] {
  const parser = new SseParser();
  return [...parser.push(new TextEncoder().encode(text)), ...parser.end()].map((e) => ({ event: e.event, data: JSON.parse(e.data) as Wire }));
}

/** What a client must see the same: pings and empty input_json_delta pieces carry nothing. */
const meaningful = (list: ReturnType<typeof events>) =>
  list.filter((e) => e.event !== 'ping' && !(isEmptyJsonDelta(e.data)));
const isEmptyJsonDelta = (d: Wire): boolean => (d['delta'] as Wire | undefined)?.['type'] === 'input_json_delta' && (d['delta'] as Wire)['partial_json'] === '';

for (const name of ['text.sse', 'tools-parallel.sse', 'thinking.sse']) {
  t.test(`${name} survives translator → encoder unchanged`, async (t) => {
    const original = fixture(name);
    const translator = anthropic.createStream(request, context('anthropic'));
    const chunks: CanonicalChunk[] = [];
    for (const e of new SseParser().push(new TextEncoder().encode(original))) chunks.push(...translator.push(e));
    chunks.push(...translator.end());
    const ctx = { id: 'req-1', request, dropped: [], note: () => {} } as unknown as RelayContext;
    const encoder = anthropicSurface.createStreamEncoder(ctx);
    const relayed = chunks.map((c) => encoder.chunk(c)).join('') + encoder.end(translator.usage());
    const want = meaningful(events(original));
    const got = meaningful(events(relayed));
    t.strictSame(got.map((e) => e.event), want.map((e) => e.event));
    for (const [i, w] of want.entries()) t.strictSame(got[i]?.data, w.data, `${w.event} #${i}`);
  });
}
