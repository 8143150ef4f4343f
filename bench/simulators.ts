// The marketplace simulators in a process of their own, so the benchmark measures the hub, not the sandbox.
// Usage: node dist/bench/simulators.js <dataDir>; prints "ready" once they listen, stops on SIGTERM.
import { openSandbox } from '../connectors/sandbox/index.js';

const dataDir = process.argv[2];
if (!dataDir) throw new Error('usage: simulators.js <dataDir>');
const sandbox = await openSandbox({ dataDir, rateLimits: false });
process.stdout.write('ready\n');
process.on('SIGTERM', () => void sandbox.close().then(() => process.exit(0)));
