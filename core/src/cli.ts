#!/usr/bin/env node
import { createGateway, loadGateway } from './gateway.js';
import { ConfigError } from './config/validate.js';

const USAGE = `usage: sluice <command> [gateway.yaml]

commands:
  start [file]      start the gateway (default file: ./gateway.yaml)
  validate [file]   check a config file, its plugins and adapters, without starting`;

async function main(argv: string[]): Promise<number> {
  const [command, file = 'gateway.yaml'] = argv;
  switch (command) {
    case 'validate': {
      const loaded = await loadGateway({ configPath: file });
      const inactive = loaded.inactiveChannels.map((c) => `\n  channel ${c.name} not in service: ${c.reason}`).join('');
      process.stdout.write(
        `${loaded.config.sourcePath}: ok (${loaded.plugins.length} plugins, ${loaded.channels.all().length} channels in service)${inactive}\n`,
      );
      return 0;
    }
    case 'start': {
      const gateway = await createGateway({ configPath: file });
      await gateway.start();
      let stopping = false;
      const shutdown = (signal: string): void => {
        if (stopping) return;
        stopping = true;
        gateway.log.info({ signal }, 'shutting down: finishing in-flight requests');
        gateway.stop().then(
          () => process.exit(0),
          (error: unknown) => {
            gateway.log.error({ err: error }, 'shutdown failed');
            process.exit(1);
          },
        );
      };
      process.once('SIGTERM', () => shutdown('SIGTERM'));
      process.once('SIGINT', () => shutdown('SIGINT'));
      return -1; // keep running
    }
    default:
      process.stderr.write(`${USAGE}\n`);
      return command === undefined || command === 'help' || command === '--help' ? 0 : 2;
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    if (code >= 0) process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(error instanceof ConfigError ? `${error.message}\n` : `sluice: ${(error as Error).message}\n`);
    process.exitCode = 1;
  },
);
