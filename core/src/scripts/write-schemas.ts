// Writes the config JSON Schemas to <repo>/schemas/ (for editors); `npm run schemas`. A test checks they match.
import { writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { fragmentsSchema, gatewaySchema } from '../config/schema.js';

const dir = fileURLToPath(new URL('../../../schemas/', import.meta.url));
await writeFile(`${dir}gateway.schema.json`, `${JSON.stringify(gatewaySchema, null, 2)}\n`);
await writeFile(`${dir}fragments.schema.json`, `${JSON.stringify(fragmentsSchema, null, 2)}\n`);
process.stdout.write(`wrote ${dir}gateway.schema.json and fragments.schema.json\n`);
