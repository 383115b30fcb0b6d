#!/usr/bin/env node
// `sluice-auth keys …` / `sluice-auth tenants …`; core's `sluice keys|tenants …` dispatches to the same functions.
import { runKeysCommand, runTenantsCommand } from './cli.js';

const [group, ...rest] = process.argv.slice(2);
const commands: Record<string, (argv: string[]) => Promise<number>> = { keys: runKeysCommand, tenants: runTenantsCommand };
const command = group === undefined ? undefined : commands[group];
if (!command) {
  process.stderr.write('usage: sluice-auth keys|tenants <command> [options]   (sluice-auth keys --help)\n');
  process.exitCode = group === undefined || group === '--help' ? 0 : 2;
} else {
  command(rest).then(
    (code) => (process.exitCode = code),
    (error: unknown) => {
      process.stderr.write(`sluice: ${(error as Error).message}\n`);
      process.exitCode = 1;
    },
  );
}
