import { Ajv, type ErrorObject, type SchemaObject, type ValidateFunction } from 'ajv';
import { fragmentsSchema } from './schema.js';
import { isDuration, isSize } from './units.js';

/** One problem in a config file, with the YAML path (and line when known). */
export interface ConfigIssue {
  path: string;
  message: string;
  line?: number;
  /** The path as segments, for locating the line in the YAML source. */
  segments?: readonly (string | number)[];
}

export class ConfigError extends Error {
  readonly issues: readonly ConfigIssue[];
  constructor(issues: readonly ConfigIssue[], file?: string) {
    const lines = issues.map((i) => `  ${i.path || '(root)'}: ${i.message}${i.line ? ` (line ${i.line})` : ''}`);
    super(`invalid config${file ? ` ${file}` : ''}:\n${lines.join('\n')}`);
    this.name = 'ConfigError';
    this.issues = issues;
  }
}

/** The ajv used for every config schema (root, plugins, adapters): defaults applied, env strings coerced. */
export function createConfigAjv(): Ajv {
  const ajv = new Ajv({ allErrors: true, useDefaults: true, coerceTypes: true, strict: true, allowUnionTypes: true });
  ajv.addFormat('duration', { type: 'string', validate: isDuration });
  ajv.addFormat('size', { type: 'string', validate: isSize });
  ajv.addFormat('uri', { type: 'string', validate: isHttpUrl });
  ajv.addFormat('date-time', { type: 'string', validate: (v) => !Number.isNaN(Date.parse(v)) });
  ajv.addSchema(fragmentsSchema);
  return ajv;
}

function isHttpUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return url.protocol === 'http:' || url.protocol === 'https:';
  } catch {
    return false;
  }
}

/** "/pipeline/2/with/ttl" → ["pipeline", 2, "with", "ttl"] */
export function pointerToSegments(pointer: string): (string | number)[] {
  if (!pointer) return [];
  return pointer
    .slice(1)
    .split('/')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((s) => (/^\d+$/.test(s) ? Number(s) : s));
}

/** ["pipeline", 2, "with", "ttl"] → "pipeline[2].with.ttl" */
export function formatPath(segments: readonly (string | number)[]): string {
  return segments.reduce<string>(
    (out, seg) => (typeof seg === 'number' ? `${out}[${seg}]` : out ? `${out}.${seg}` : seg),
    '',
  );
}

/** Turns ajv errors into one readable issue per real problem, with paths relative to `base`. */
export function toIssues(errors: readonly ErrorObject[], base: readonly (string | number)[]): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  const seen = new Set<string>();
  // anyOf/oneOf report every branch; keep the summary error and drop the branch noise beneath it.
  const unionPaths = errors.filter((e) => e.keyword === 'anyOf' || e.keyword === 'oneOf').map((e) => e.instancePath);
  for (const error of errors) {
    if (error.keyword !== 'anyOf' && error.keyword !== 'oneOf' && unionPaths.some((p) => error.instancePath.startsWith(p)))
      continue;
    const segments = [...base, ...pointerToSegments(error.instancePath)];
    let message = error.message ?? 'is invalid';
    switch (error.keyword) {
      case 'additionalProperties':
        segments.push(String(error.params['additionalProperty']));
        message = 'unknown key';
        break;
      case 'required':
        segments.push(String(error.params['missingProperty']));
        message = 'is required';
        break;
      case 'enum':
        message = `must be one of: ${(error.params['allowedValues'] as unknown[]).join(', ')}`;
        break;
      case 'anyOf':
      case 'oneOf':
        message = 'does not match any allowed form';
        break;
    }
    const issue: ConfigIssue = { path: formatPath(segments), message, segments };
    const key = `${issue.path}|${issue.message}`;
    if (!seen.has(key)) {
      seen.add(key);
      issues.push(issue);
    }
  }
  return issues;
}

/** Validates (and fills defaults into) `value`, returning issues with YAML paths under `base`. */
export function validateAt(
  validate: ValidateFunction,
  value: unknown,
  base: readonly (string | number)[],
): ConfigIssue[] {
  return validate(value) ? [] : toIssues(validate.errors ?? [], base);
}

export function compileSchema(ajv: Ajv, schema: SchemaObject, owner: string): ValidateFunction {
  try {
    return ajv.compile(schema);
  } catch (error) {
    throw new Error(`${owner}: its options schema does not compile: ${(error as Error).message}`);
  }
}
