import { inspect } from 'node:util';

const REDACTED = '[REDACTED]';

/**
 * A credential that cannot leak by accident: JSON, string conversion and util.inspect all print [REDACTED]. Code that
 * really needs the value (the adapter building upstream headers) calls reveal().
 */
export class Secret {
  readonly #value: string;
  constructor(value: string) {
    this.#value = value;
  }
  reveal(): string {
    return this.#value;
  }
  toJSON(): string {
    return REDACTED;
  }
  toString(): string {
    return REDACTED;
  }
  [inspect.custom](): string {
    return REDACTED;
  }
}

/** Replaces every occurrence of the given secret values (and anything shaped like a provider key) in a text. */
export function scrubSecrets(text: string, secrets: Iterable<string>): string {
  let out = text;
  for (const secret of secrets) {
    if (secret.length >= 4) out = out.split(secret).join(REDACTED);
  }
  return out.replace(PROVIDER_KEY_SHAPE, REDACTED);
}

// sk-..., sk-ant-..., AIza... and masked forms like "sk-ab***yz" that providers echo back in auth errors.
const PROVIDER_KEY_SHAPE = /\b(?:sk-[A-Za-z0-9_\-*]{6,}|AIza[0-9A-Za-z_\-]{20,})/g;
