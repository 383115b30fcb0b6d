// The adapter conformance suite (@sluice/adapter-testkit) over hand-written Gemini API (v1beta) fixtures:
// generateContent, streamGenerateContent?alt=sse (CRLF-framed), embedContent / batchEmbedContents, google.rpc.Status errors.
import t from 'tap';
import { runAdapterConformance, UNKNOWN_EVENT } from '@sluice/adapter-testkit';
import { geminiAdapter, type GeminiOptions } from '@sluice/adapter-gemini';

await runAdapterConformance<GeminiOptions>(t, {
  adapter: geminiAdapter,
  // The schema defaults, as core passes them.
  options: { imageUrls: 'fileData' },
  cases: new URL('./fixtures/gemini/', import.meta.url),
  // Gemini never names its SSE events, so also inject an unnamed data-only event the translator must ignore.
  unknownEvents: [UNKNOWN_EVENT, { data: '{"sluiceConformanceUnknown": {"a": 1}}' }],
  unmappedKinds: {
    content_filter:
      'Gemini reports a safety block with HTTP 200 (promptFeedback.blockReason, or candidates finished SAFETY/PROHIBITED_CONTENT with no content), never as an error status: fromUpstream raises content_filter itself and a stream ends with finishReason content_filter (stream-chat-blocked-prompt)',
  },
});
