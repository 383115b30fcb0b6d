/**
 * `npm run bench`: the gateway (auth → retry → router → openai adapter) against a bare Node pass-through proxy and
 * the mock upstream itself, each in its own process, driven by autocannon from this one. See bench/README.md.
 */
import { cpus } from 'node:os';
import { mkdir, open, readdir, readFile, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { percentile, preflight, runLoad, type LoadResult, type Scenario, type Target } from './load.js';
import { cpuDelta, killAll, spawnServer, type ServerProcess } from './targets.js';
import { isMainThreadProfile, summariseProfile } from './profile.js';
import { machineDelta, machineSample } from './machine.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const RESULTS = fileURLToPath(new URL('./results/', import.meta.url));
const GATEWAY_LOG = join(RESULTS, 'gateway.log');

const DURATION = numberEnv('BENCH_DURATION', 5);
const ROUNDS = numberEnv('BENCH_ROUNDS', 2);
const WARMUP = numberEnv('BENCH_WARMUP', 1);
const LOG_LEVEL = process.env['BENCH_LOG_LEVEL'] ?? 'warn';
const PROFILE = process.env['BENCH_PROFILE'] === '1';
const BAR = 0.5;
/** Cores of foreign load above which a run is repeated once. */
const NOISE_LIMIT = numberEnv('BENCH_NOISE_LIMIT', 0.3);
const NOISE_RETRIES = numberEnv('BENCH_NOISE_RETRIES', 1, true);

const MODEL = 'gpt-4o-mini';
const UPSTREAM_KEY = 'sk-bench-upstream-key';
const TENANT_KEY = 'sk-sluice-bench-tenant';
// 20 words → 20 content chunks in a stream (plus role, finish and usage chunks and [DONE]).
const REPLY =
  'Hello benchmark! This reply has exactly twenty words so that every stream carries twenty content chunks through the Sluice gateway.';

const SCENARIOS: Scenario[] = [
  { name: 'chat-50c', stream: false, connections: 50 },
  { name: 'chat-200c', stream: false, connections: 200 },
  { name: 'stream-50c', stream: true, connections: 50 },
].filter((s) => listEnv('BENCH_SCENARIOS')?.includes(s.name) ?? true);
const TARGET_NAMES = (['direct', 'proxy', 'gateway'] as const).filter((t) => listEnv('BENCH_TARGETS')?.includes(t) ?? true);
const BAR_SCENARIO = 'chat-50c';

type TargetName = Target['name'];
interface BenchTarget extends Target {
  process: ServerProcess;
}
interface Run {
  scenario: string;
  target: TargetName;
  round: number;
  load: Omit<LoadResult, 'latenciesMs'>;
  rps: number;
  p50Ms: number;
  p99Ms: number;
  cpuMsPerRequest: number;
  loopUtilization: number;
  upstreamLoopUtilization: number;
  /** CPU of this (autocannon) process over the run, in cores; near 1.0 means the load generator was the limit. */
  loadgenCores: number;
  /** All cores' busy and hypervisor-stolen shares during the run (Linux /proc/stat), or null. */
  machine: { busy: number; steal: number } | null;
  /** Cores used during the run by processes that are not part of the bench (other tenants of the machine), or null. */
  foreignCores: number | null;
  repeatedForNoise: boolean;
  problems: string[];
}
interface Summary {
  scenario: string;
  target: TargetName;
  rounds: number;
  rps: number;
  roundRps: number[];
  p50Ms: number;
  p99Ms: number;
  cpuMsPerRequest: number;
  loopUtilization: number;
  upstreamLoopUtilization: number;
  loadgenCores: number;
  valid: boolean;
}

async function main(): Promise<number> {
  const started = new Date();
  console.log(`Sluice bench: ${cpus().length} CPU(s) (${cpus()[0]?.model ?? '?'}), Node ${process.version}`);
  console.log(`  ${DURATION}s per run after ${WARMUP}s warm-up, ${ROUNDS} interleaved round(s); gateway log level "${LOG_LEVEL}"` +
    (LOG_LEVEL === 'warn' || LOG_LEVEL === 'silent' ? ' (no per-request info line; BENCH_LOG_LEVEL=info to include its cost)' : ''));

  await mkdir(RESULTS, { recursive: true });
  // The gateway logs (pino JSON on stdout) go to a file: real cost of writing them, none of the terminal's.
  const gatewayLog = await open(GATEWAY_LOG, 'w');
  const upstream = await spawnServer('upstream', { reply: REPLY, upstreamKey: UPSTREAM_KEY });
  const profileDir = join(RESULTS, 'profiles', started.toISOString().replace(/[:.]/g, '-'));
  const [proxy, gateway] = await Promise.all([
    spawnServer('proxy', { upstreamUrl: upstream.url }),
    spawnServer(
      'gateway',
      { upstreamUrl: upstream.url, upstreamKey: UPSTREAM_KEY, tenantKey: TENANT_KEY, logLevel: LOG_LEVEL, model: MODEL },
      { stdout: gatewayLog.fd, ...(PROFILE && { nodeFlags: ['--cpu-prof', '--cpu-prof-dir', profileDir] }) },
    ),
  ]);
  await gatewayLog.close(); // the child has its own copy of the descriptor
  const all: Record<TargetName, BenchTarget> = {
    direct: { name: 'direct', url: `${upstream.url}/chat/completions`, key: UPSTREAM_KEY, process: upstream },
    proxy: { name: 'proxy', url: `${proxy.url}/v1/chat/completions`, key: UPSTREAM_KEY, process: proxy },
    gateway: { name: 'gateway', url: `${gateway.url}/v1/chat/completions`, key: TENANT_KEY, process: gateway },
  };
  for (const p of [upstream, proxy, gateway]) console.log(`  ${p.role.padEnd(8)} pid ${p.pid}  ${p.url}  ${p.info}`);
  console.log(`  load generator (autocannon) pid ${process.pid}; 3 busy processes share ${cpus().length} core(s): read the ratios, not the absolutes.\n`);
  const targets = TARGET_NAMES.map((name) => all[name]);

  // Correctness first: a target that answers wrong must not be reported as fast.
  const preflightProblems = new Map<string, string>();
  for (const target of targets) {
    for (const stream of [false, true]) {
      const problem = await preflight(target, stream, MODEL, REPLY);
      if (problem) {
        preflightProblems.set(`${target.name}/${stream}`, problem);
        console.log(`!!! PREFLIGHT FAILED: ${target.name} ${stream ? 'stream' : 'non-stream'}: ${problem}`);
      }
    }
  }

  const runs: Run[] = [];
  const servers = { upstream, proxy, gateway };
  // Repeats for noise are capped overall, so a machine that stays busy cannot stretch the bench much.
  let repeatBudget = Math.ceil((SCENARIOS.length * ROUNDS * targets.length) / 3);
  for (const scenario of SCENARIOS) {
    for (let round = 1; round <= ROUNDS; round++) {
      // Alternate the order each round so neither target always runs first (or right after the same neighbour).
      const order = round % 2 === 1 ? targets : [...targets].reverse();
      for (const target of order) {
        let measured = await measure(target, scenario, round, servers, preflightProblems);
        progress(measured.run);
        // Another tenant of this machine took CPU meant for the run: pause, measure again, keep the quietest attempt.
        for (let retry = 0; retry < NOISE_RETRIES && repeatBudget > 0 && (measured.run.foreignCores ?? 0) > NOISE_LIMIT; retry++) {
          repeatBudget--;
          console.log(`    ^ other processes used ${fmt(measured.run.foreignCores ?? 0, 2)} cores during that run: repeating it, keeping the quieter attempt`);
          await sleep(2000);
          const again = await measure(target, scenario, round, servers, preflightProblems);
          progress(again.run);
          if ((again.run.foreignCores ?? 0) < (measured.run.foreignCores ?? 0)) measured = again;
          measured.run.repeatedForNoise = true;
        }
        runs.push(measured.run);
        const merged = (latencies[key(scenario.name, target.name)] ??= []);
        for (const ms of measured.latenciesMs) merged.push(ms);
      }
    }
  }

  const summaries = summarise(runs);
  printTable(summaries);
  const bar = barVerdict(summaries);
  console.log(`\n${bar.line}`);

  const invalid = runs.filter((r) => r.problems.length > 0);
  if (invalid.length > 0) {
    console.log(`\n!!! ${invalid.length} INVALID RUN(S): their throughput is not a measurement of a working relay.`);
    for (const r of invalid) console.log(`!!!   ${r.scenario} ${r.target} round ${r.round}: ${r.problems.join('; ')}`);
  }
  const noisy = runs.filter((r) => (r.machine?.steal ?? 0) > 0.05 || (r.foreignCores ?? 0) > NOISE_LIMIT);
  if (noisy.length > 0) {
    console.log(
      `\nnote: ${noisy.length} run(s) shared the machine with other load (hypervisor steal > 5% or foreign CPU > ${NOISE_LIMIT} cores): ` +
        'their absolute figures are low; compare ratios, or rerun with a higher BENCH_ROUNDS on a quiet machine.',
    );
  }

  const report = {
    started: started.toISOString(),
    machine: { cpus: cpus().length, cpuModel: cpus()[0]?.model ?? null, node: process.version },
    settings: { durationS: DURATION, warmupS: WARMUP, rounds: ROUNDS, gatewayLogLevel: LOG_LEVEL, model: MODEL, replyWords: REPLY.split(/\s+/).length },
    processes: Object.fromEntries([upstream, proxy, gateway].map((p) => [p.role, { pid: p.pid, url: p.url, info: p.info }])),
    preflight: Object.fromEntries(preflightProblems),
    summaries,
    bar,
    runs,
  };
  await writeFile(join(RESULTS, 'latest.json'), `${JSON.stringify(report, null, 2)}\n`);
  console.log(`\nresults: ${join(RESULTS, 'latest.json')}`);

  await Promise.all([proxy.stop(), gateway.stop()]);
  await upstream.stop();
  await reportGatewayLog();
  if (PROFILE) await printProfile(profileDir);
  return invalid.length > 0 || bar.pass === false ? 1 : 0;
}

/** One warm-up and one measured run of a target, with the CPU of every process sampled around it. */
async function measure(
  target: BenchTarget,
  scenario: Scenario,
  round: number,
  servers: { upstream: ServerProcess; proxy: ServerProcess; gateway: ServerProcess },
  preflightProblems: Map<string, string>,
): Promise<{ run: Run; latenciesMs: number[] }> {
  await runLoad(target, scenario, MODEL, WARMUP);
  const others = [servers.upstream, servers.proxy, servers.gateway].filter((p) => p !== target.process);
  const before = await Promise.all([target.process.cpu(), ...others.map((p) => p.cpu())]);
  const machineBefore = await machineSample();
  const loadgenBefore = process.cpuUsage();
  const wallBefore = performance.now();
  const load = await runLoad(target, scenario, MODEL, DURATION);
  const loadgen = process.cpuUsage(loadgenBefore);
  const wallMs = performance.now() - wallBefore;
  const machine = machineDelta(machineBefore, await machineSample()) ?? null;
  const after = await Promise.all([target.process.cpu(), ...others.map((p) => p.cpu())]);
  const [self, ...rest] = after.map((a, i) => cpuDelta(before[i] ?? a, a));
  if (!self) throw new Error('missing CPU sample');
  const up = target.process === servers.upstream ? self : rest[others.indexOf(servers.upstream)];
  const loadgenCores = (loadgen.user + loadgen.system) / 1000 / wallMs;
  const oursCores = (self.cpuMs + sum(rest.map((d) => d.cpuMs))) / wallMs + loadgenCores;

  const problems = problemsOf(load);
  // A server that should be idle but burns CPU during another target's run skews the comparison.
  others.forEach((p, i) => {
    const cores = (rest[i]?.cpuMs ?? 0) / wallMs;
    if (p !== servers.upstream && cores > 0.05) problems.push(`idle ${p.role} used ${pct(cores)} of a core during this run`);
  });
  const pre = preflightProblems.get(`${target.name}/${scenario.stream}`);
  if (pre) problems.push(`preflight: ${pre}`);
  const { latenciesMs, ...summary } = load;
  return {
    latenciesMs,
    run: {
      scenario: scenario.name,
      target: target.name,
      round,
      load: summary,
      rps: load.ok / load.durationS,
      p50Ms: percentile(latenciesMs, 50),
      p99Ms: percentile(latenciesMs, 99),
      cpuMsPerRequest: load.responses > 0 ? self.cpuMs / load.responses : Number.NaN,
      loopUtilization: self.loopUtilization,
      upstreamLoopUtilization: up?.loopUtilization ?? Number.NaN,
      loadgenCores,
      machine,
      foreignCores: machine ? Math.max(0, machine.busy * cpus().length - oursCores) : null,
      repeatedForNoise: false,
      problems,
    },
  };
}

/** Warnings and errors the gateway logged are worth seeing; info lines (BENCH_LOG_LEVEL=info) are only counted. */
async function reportGatewayLog(): Promise<void> {
  const lines = (await readFile(GATEWAY_LOG, 'utf8').catch(() => '')).split('\n').filter((l) => l !== '');
  const loud = lines.filter((l) => /"level":(40|50|60)/.test(l));
  console.log(`gateway log: ${lines.length} line(s), ${loud.length} warning(s) or error(s), in ${GATEWAY_LOG}`);
  for (const line of loud.slice(0, 5)) console.log(`  ${line.slice(0, 300)}`);
}

const latencies: Record<string, number[]> = {};
const key = (scenario: string, target: TargetName): string => `${scenario}/${target}`;

function problemsOf(load: LoadResult): string[] {
  const problems: string[] = [];
  if (load.ok === 0) problems.push('no 2xx response at all');
  if (load.non2xx > 0) {
    const codes = Object.entries(load.statusCodes).filter(([code]) => !code.startsWith('2'));
    problems.push(`${load.non2xx} non-2xx (${codes.map(([c, n]) => `${c}×${n}`).join(', ')})`);
  }
  if (load.errors > 0) problems.push(`${load.errors} errors incl. ${load.timeouts} timeouts [${load.errorSamples.join(' | ')}]`);
  return problems;
}

function progress(r: Run): void {
  const flag = r.problems.length > 0 ? `  !!! INVALID: ${r.problems.join('; ')}` : '';
  console.log(
    `  ${r.scenario.padEnd(10)} r${r.round} ${r.target.padEnd(7)} ${fmt(r.rps, 0).padStart(7)} req/s  p50 ${fmt(r.p50Ms, 2).padStart(6)} ms  ` +
      `p99 ${fmt(r.p99Ms, 2).padStart(7)} ms  cpu ${fmt(r.cpuMsPerRequest, 3)} ms/req  loop ${pct(r.loopUtilization)}  upstream loop ${pct(r.upstreamLoopUtilization)}  loadgen ${pct(r.loadgenCores)}` +
      (r.machine ? `  machine ${pct(r.machine.busy)} steal ${pct(r.machine.steal)} foreign ${fmt(r.foreignCores ?? 0, 2)} cores` : '') +
      flag,
  );
}

function summarise(runs: Run[]): Summary[] {
  const out: Summary[] = [];
  for (const scenario of SCENARIOS) {
    for (const target of TARGET_NAMES) {
      const mine = runs.filter((r) => r.scenario === scenario.name && r.target === target);
      if (mine.length === 0) continue;
      const ok = sum(mine.map((r) => r.load.ok));
      const merged = latencies[key(scenario.name, target)] ?? [];
      out.push({
        scenario: scenario.name,
        target,
        rounds: mine.length,
        rps: ok / sum(mine.map((r) => r.load.durationS)),
        roundRps: mine.map((r) => Math.round(r.rps)),
        p50Ms: percentile(merged, 50),
        p99Ms: percentile(merged, 99),
        cpuMsPerRequest: sum(mine.map((r) => r.cpuMsPerRequest * r.load.responses)) / sum(mine.map((r) => r.load.responses)),
        loopUtilization: sum(mine.map((r) => r.loopUtilization)) / mine.length,
        upstreamLoopUtilization: sum(mine.map((r) => r.upstreamLoopUtilization)) / mine.length,
        loadgenCores: sum(mine.map((r) => r.loadgenCores)) / mine.length,
        valid: mine.every((r) => r.problems.length === 0),
      });
    }
  }
  return out;
}

function printTable(summaries: Summary[]): void {
  const header = ['scenario', 'target', 'req/s', 'rounds req/s', 'p50 ms', 'p99 ms', 'cpu ms/req', 'loop', 'upstr loop', 'loadgen', 'status'];
  const rows = summaries.map((s) => [
    s.scenario,
    s.target,
    // An invalid run's req/s counts answers that were not a working relay: never print it as throughput.
    s.valid ? fmt(s.rps, 0) : '--',
    s.roundRps.join(' / '),
    fmt(s.p50Ms, 2),
    fmt(s.p99Ms, 2),
    // For "direct" this is the upstream's own cost per request.
    fmt(s.cpuMsPerRequest, 3),
    pct(s.loopUtilization),
    s.target === 'direct' ? '' : pct(s.upstreamLoopUtilization),
    pct(s.loadgenCores),
    s.valid ? 'ok' : 'INVALID',
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]): string => cells.map((c, i) => (i < 2 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join('  ');
  console.log(`\n${line(header)}\n${widths.map((w) => '-'.repeat(w)).join('  ')}`);
  for (const scenario of SCENARIOS) {
    rows.filter((r) => r[0] === scenario.name).forEach((r) => console.log(line(r)));
    const ratio = ratios(summaries, scenario.name);
    const indent = ''.padEnd((widths[0] ?? 0) + 2);
    if (ratio?.valid) {
      console.log(`${indent}gateway ÷ proxy: throughput ${fmt(ratio.throughput, 2)}×, p50 ${fmt(ratio.p50, 2)}×, cpu/req ${fmt(ratio.cpu, 2)}×`);
    } else if (ratio) {
      console.log(`${indent}gateway ÷ proxy: INVALID, a run had errors (see below)`);
    }
  }
}

function ratios(summaries: Summary[], scenario: string): { throughput: number; p50: number; cpu: number; valid: boolean } | undefined {
  const proxy = summaries.find((s) => s.scenario === scenario && s.target === 'proxy');
  const gateway = summaries.find((s) => s.scenario === scenario && s.target === 'gateway');
  if (!proxy || !gateway) return undefined;
  return {
    throughput: gateway.rps / proxy.rps,
    p50: gateway.p50Ms / proxy.p50Ms,
    cpu: gateway.cpuMsPerRequest / proxy.cpuMsPerRequest,
    valid: proxy.valid && gateway.valid,
  };
}

function barVerdict(summaries: Summary[]): { pass: boolean | null; ratio: number | null; line: string } {
  const ratio = ratios(summaries, BAR_SCENARIO);
  const goal = `gateway ≥ ${BAR}× bare proxy throughput, ${BAR_SCENARIO} non-stream (auth + retry + router pipeline)`;
  if (!ratio) return { pass: null, ratio: null, line: `BAR NOT CHECKED: ${goal}: scenario or targets not run` };
  if (!ratio.valid) return { pass: false, ratio: ratio.throughput, line: `BAR FAIL (INVALID RUN): ${goal}: a run had errors` };
  const pass = ratio.throughput >= BAR;
  return { pass, ratio: ratio.throughput, line: `BAR ${pass ? 'PASS' : 'FAIL'}: ${goal}: ${fmt(ratio.throughput, 2)}×` };
}

async function printProfile(dir: string): Promise<void> {
  const files = (await readdir(dir).catch(() => [])).filter(isMainThreadProfile);
  for (const file of files) {
    const { functions, areas } = await summariseProfile(join(dir, file), ROOT);
    console.log(`\ngateway CPU profile: ${join(dir, file)} (open in Chrome DevTools > Performance)`);
    console.log('self time by area (idle excluded):');
    for (const a of areas) console.log(`  ${fmt(a.percent, 1).padStart(5)}%  ${fmt(a.selfMs, 0).padStart(7)} ms  ${a.name}`);
    console.log('top functions by self time:');
    for (const f of functions) console.log(`  ${fmt(f.percent, 1).padStart(5)}%  ${fmt(f.selfMs, 0).padStart(7)} ms  ${f.name}  ${f.location}`);
  }
}

function numberEnv(name: string, fallback: number, zeroOk = false): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < 0 || (value === 0 && !zeroOk)) throw new Error(`${name} must be a positive number, got "${raw}"`);
  return value;
}
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
function listEnv(name: string): string[] | undefined {
  const raw = process.env[name];
  return raw ? raw.split(',').map((s) => s.trim()) : undefined;
}
const sum = (values: number[]): number => values.reduce((a, b) => a + b, 0);
const fmt = (value: number, digits: number): string => (Number.isFinite(value) ? value.toFixed(digits) : 'n/a');
const pct = (value: number): string => `${Math.round(value * 100)}%`;

// Children never outlive the bench: killed on any exit path, including Ctrl-C and crashes.
process.on('exit', killAll);
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    console.error(`\n${signal}: stopping the benchmark processes`);
    killAll();
    process.exit(130);
  });
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error('bench failed:', error);
    killAll();
    process.exit(2);
  },
);
