import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { LineCounter, parseDocument, type Document } from 'yaml';
import { gatewaySchema } from './schema.js';
import { interpolateEnv } from './interpolate.js';
import { compileConfig, type RawConfig } from './compile.js';
import { ConfigError, createConfigAjv, validateAt, type ConfigIssue } from './validate.js';
import type { GatewayConfig } from './types.js';
import type { Ajv } from 'ajv';

/** A parsed config file that can point back at its own lines. */
export interface ConfigSource {
  readonly path: string;
  readonly ajv: Ajv;
  lineOf(segments: readonly (string | number)[]): number | undefined;
  /** Throws a ConfigError for these issues, with line numbers filled in. */
  fail(issues: readonly ConfigIssue[]): never;
}

function sourceFor(path: string, doc: Document | undefined, counter: LineCounter, ajv: Ajv): ConfigSource {
  const lineOf = (segments: readonly (string | number)[]): number | undefined => {
    if (!doc) return undefined;
    // Walk up until a node exists (a missing key is reported on its parent).
    for (let n = segments.length; n >= 0; n--) {
      const node = doc.getIn(segments.slice(0, n), true) as { range?: [number, number, number] } | undefined;
      if (node?.range) return counter.linePos(node.range[0]).line;
    }
    return undefined;
  };
  return {
    path,
    ajv,
    lineOf,
    fail(issues) {
      const located = issues.map((issue) => {
        const line = issue.segments ? lineOf(issue.segments) : undefined;
        return line === undefined ? issue : { ...issue, line };
      });
      throw new ConfigError(located, path);
    },
  };
}

/** Reads, interpolates, validates and compiles a gateway.yaml. Plugin/adapter options are validated by the loader. */
export async function loadConfigFile(
  file: string,
  env: Readonly<Record<string, string | undefined>> = process.env,
): Promise<{ config: GatewayConfig; source: ConfigSource }> {
  const path = resolve(file);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new ConfigError([{ path: '', message: `cannot read ${path}: ${(error as NodeJS.ErrnoException).code ?? error}` }]);
  }
  return parseConfigText(text, path, env);
}

export function parseConfigText(
  text: string,
  path: string,
  env: Readonly<Record<string, string | undefined>> = process.env,
): { config: GatewayConfig; source: ConfigSource } {
  const counter = new LineCounter();
  const doc = parseDocument(text, { lineCounter: counter, prettyErrors: false, uniqueKeys: true });
  const ajv = createConfigAjv();
  const source = sourceFor(path, doc, counter, ajv);
  if (doc.errors.length > 0) {
    source.fail(
      doc.errors.map((e) => ({ path: '', message: `YAML: ${e.message.split('\n')[0]}`, line: counter.linePos(e.pos[0]).line })),
    );
  }
  const issues: ConfigIssue[] = [];
  const raw = interpolateEnv(doc.toJS(), env, issues);
  if (issues.length > 0) source.fail(issues);
  const validate = ajv.compile(gatewaySchema);
  const schemaIssues = validateAt(validate, raw, []);
  if (schemaIssues.length > 0) source.fail(schemaIssues);
  const config = compileConfig(raw as RawConfig, path, source);
  return { config, source };
}
