/** Runs the emulator as a process: `npm run emulator -- --port 8790 --seed 7`. */
import { parseArgs } from 'node:util';
import { startEmulator } from './server.ts';

const { values } = parseArgs({
  options: { port: { type: 'string', default: '8790' }, seed: { type: 'string', default: '1' } },
});
const emulator = await startEmulator({ port: Number(values.port), seed: Number(values.seed) });
console.log(`Provider emulator listening on ${emulator.url}`);
for (const [name, url] of Object.entries(emulator.baseUrls)) console.log(`  ${name}=${url}`);
const stop = () => void emulator.close().then(() => process.exit(0));
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
