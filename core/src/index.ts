// @sluice/core public API: the contracts plugins and adapters build on, plus the gateway itself.
export * from './contracts/canonical.js';
export * from './contracts/adapter.js';
export * from './contracts/channel.js';
export * from './contracts/context.js';
export * from './contracts/result.js';
export * from './contracts/plugin.js';
export * from './errors.js';
export { Secret, scrubSecrets } from './secret.js';
export type { StateConnectors } from './state/connectors.js';
export type { GatewayConfig, TenantConfig, TenantKeyConfig, ChannelConfig } from './config/types.js';
export { ConfigError, type ConfigIssue } from './config/validate.js';
export { parseDuration, parseSize } from './config/units.js';
export { createGateway, loadGateway, type Gateway, type GatewayOptions } from './gateway.js';
export { SseParser } from './dispatch/sse.js';
export type { Surface, StreamEncoder, RenderedError } from './surface/surface.js';
export * as openaiWire from './wire/openai/index.js';
export { kindForStatus, isRetryableKind, parseRetryAfter, upstreamError } from './adapter-kit/http-errors.js';
export type { SchemaObject } from 'ajv';
