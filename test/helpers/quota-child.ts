// A gateway in its own process, for the crash test: reads its YAML from QUOTA_CHILD_YAML, prints "READY <url>".
import { createGateway } from '@sluice/core';
import { TEST_CONFIG_PATH } from './gateway.js';

const gateway = await createGateway({ configText: process.env['QUOTA_CHILD_YAML'] ?? '', configPath: TEST_CONFIG_PATH, port: 0 });
await gateway.start();
process.stdout.write(`READY ${gateway.url}\n`);
