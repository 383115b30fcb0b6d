import jexl from 'jexl';
import { DEFAULT_GROUP, estimateInputTokens, GatewayError, globMatcher, OptionError, type RelayContext } from '@sluice/core';
import type { RuleAction, RuleOptions } from './options.js';

export interface CompiledRule {
  name: string;
  test(context: Record<string, unknown>): boolean;
  then: RuleAction;
}

/** An isolated jexl with a few transforms, so rules cannot be affected by other packages' jexl setup. */
function createJexl(): InstanceType<typeof jexl.Jexl> {
  const engine = new jexl.Jexl();
  engine.addTransform('lower', (v) => String(v ?? '').toLowerCase());
  engine.addTransform('upper', (v) => String(v ?? '').toUpperCase());
  engine.addTransform('startsWith', (v, prefix) => String(v ?? '').startsWith(String(prefix)));
  engine.addTransform('glob', (v, pattern) => globMatcher([String(pattern)])(String(v ?? '')));
  return engine;
}

/** The context a rule sees, documented in the README. Built once per request, only when there are rules. */
export function ruleContext(ctx: RelayContext, now = new Date()): Record<string, unknown> {
  const request = ctx.request;
  const chat = request.operation === 'chat' ? request : undefined;
  const principal = ctx.principal;
  return {
    request: {
      model: request.model,
      operation: request.operation,
      stream: request.stream,
      maxTokens: chat?.maxTokens ?? null,
      estimatedTokens: chat ? estimateInputTokens(chat) : 0,
      tools: chat?.tools?.map((t) => t.function.name) ?? [],
      toolsUsed: (chat?.tools?.length ?? 0) > 0,
      messages: chat?.messages.length ?? 0,
    },
    tenant: principal?.tenant ?? null,
    group: principal?.group ?? DEFAULT_GROUP,
    key: principal ? { id: principal.keyId, metadata: principal.metadata } : null,
    headers: ctx.headers,
    time: { hour: now.getUTCHours(), weekday: now.getUTCDay(), iso: now.toISOString() },
  };
}

/** A context with every field present, used to test-evaluate rules at startup. */
export const SAMPLE_CONTEXT: Record<string, unknown> = {
  request: { model: 'sample-model', operation: 'chat', stream: false, maxTokens: 256, estimatedTokens: 100, tools: [], toolsUsed: false, messages: 1 },
  tenant: 'sample-tenant',
  group: 'default',
  key: { id: 'sample-key', metadata: {} },
  headers: {},
  time: { hour: 12, weekday: 1, iso: '2026-01-01T12:00:00.000Z' },
};

/**
 * Compiles every rule once and evaluates it against SAMPLE_CONTEXT, so a syntax error or a broken transform fails
 * startup (and `sluice validate`) with the rule's YAML path instead of failing requests later.
 */
export function compileRules(rules: readonly RuleOptions[]): CompiledRule[] {
  const engine = createJexl();
  return rules.map((rule, i) => {
    let expression: ReturnType<typeof engine.compile>;
    try {
      expression = engine.compile(rule.when);
      expression.evalSync(SAMPLE_CONTEXT);
    } catch (error) {
      throw new OptionError(`rules[${i}].when`, `invalid jexl rule "${rule.when}": ${(error as Error).message}`);
    }
    return {
      name: rule.name ?? `rules[${i}]`,
      test: (context) => Boolean(expression.evalSync(context)),
      then: rule.then,
    };
  });
}

/** Applies the first matching rule; returns the channel restriction it imposes, if any. */
export function applyRules(rules: readonly CompiledRule[], ctx: RelayContext): readonly string[] | undefined {
  if (rules.length === 0) return undefined;
  const context = ruleContext(ctx);
  for (const rule of rules) {
    let matched: boolean;
    try {
      matched = rule.test(context);
    } catch (error) {
      ctx.note('router', `rule ${rule.name} failed to evaluate: ${(error as Error).message}`);
      continue;
    }
    if (!matched) continue;
    ctx.note('router', `rule ${rule.name} matched`, { then: rule.then as Record<string, unknown> });
    if (rule.then.reject) throw new GatewayError('SLUICE_ERR_FORBIDDEN', rule.then.reject);
    if (rule.then.model) ctx.request = { ...ctx.request, model: rule.then.model };
    return rule.then.channels;
  }
  return undefined;
}
