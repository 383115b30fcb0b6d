import { pino, type DestinationStream, type Logger } from 'pino';

/** Paths that may hold credentials; pino censors them wherever they appear in a log object. */
export const REDACT_PATHS = [
  'headers.authorization',
  'headers["x-api-key"]',
  'headers["x-goog-api-key"]',
  'req.headers.authorization',
  'req.headers["x-api-key"]',
  'req.headers["x-goog-api-key"]',
  'apiKey',
  '*.apiKey',
  'key',
  '*.keys',
  'adminKey',
  '*.adminKey',
];

export function createLogger(level: string, destination?: DestinationStream): Logger {
  const options = { level, base: { service: 'sluice' }, redact: { paths: REDACT_PATHS, censor: '[REDACTED]' } };
  // Async stdout: logging never blocks a response.
  return destination ? pino(options, destination) : pino(options, pino.destination({ sync: false }));
}
