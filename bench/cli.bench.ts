// CLI latency as the operator meets it: wall time from the shell's point of view (spawn → exit) of the everyday
// commands, median of five after one warm-up run, on the embedded database in sandbox mode, first with no hub
// running (each command opens the data directory itself), then with the hub running (`npm start`; commands join
// it). The last line is the routine's figure (hub running). Target: <= 1,000 ms each.
// Usage: npm run bench:cli [-- --root <another checkout> --via direct|npx]
//   --root  measure another checkout (built, with node_modules), e.g. the commit before a change
//   --via   direct (default: ./tsunagi, or the pinned node on bin/tsunagi.js where there is no ./tsunagi) or npx
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { PROJECT_ROOT } from '../platform/project.js';

const TARGET_MS = 1000;
const RUNS = 5;
const COMMANDS: Record<string, string[]> = {
  status: ['status'],
  health: ['health'],
  simulate: ['simulate', '--quantity', '5,12,25'],
  help: ['--help'],
  version: ['--version'],
};

const { values } = parseArgs({ options: { root: { type: 'string' }, via: { type: 'string', default: 'direct' } } });
const root = resolve(values.root ?? PROJECT_ROOT);
if (values.via !== 'direct' && values.via !== 'npx') throw new Error(`--via must be direct or npx, got ${values.via}`);
const node = join(root, 'node_modules/node/bin/node');
const [cmd, prefix] =
  values.via === 'npx' ? ['npx', ['tsunagi']] : existsSync(join(root, 'tsunagi')) ? [join(root, 'tsunagi'), []] : [node, [join(root, 'bin/tsunagi.js')]];

const dataDir = mkdtempSync(join(tmpdir(), 'tsunagi-cli-bench-'));
const env: NodeJS.ProcessEnv = { ...process.env, NODE_OPTIONS: '', TSUNAGI_DATA_DIR: dataDir, TSUNAGI_LOG_DIR: join(dataDir, 'logs'), PORT: '0' };
delete env.DATABASE_URL;

interface Timing {
  wallMs: number;
  /** CPU time (user + system) of the command and its children, from the shell's `times`: what the command costs
   * a machine, whatever else runs on it. On an idle machine the wall time comes close to it. */
  cpuMs: number;
}

/** Runs the command under `sh`, so that `times` reports its CPU time as the shell's children's. */
function once(args: string[]): Promise<Timing> {
  return new Promise((done, fail) => {
    const start = performance.now();
    const script = '"$@" >/dev/null 2>&1; status=$?; times; exit $status';
    const child = spawn('sh', ['-c', script, 'sh', cmd, ...prefix, ...args], { cwd: root, env, stdio: ['ignore', 'pipe', 'ignore'] });
    let out = '';
    child.stdout!.on('data', (d) => (out += d));
    child.once('error', fail);
    child.once('close', (code) => {
      const wallMs = performance.now() - start;
      // health exits 1 when a check fails (not a broken command); everything else must succeed.
      if (code !== 0 && !(code === 1 && args[0] === 'health')) return fail(new Error(`${args.join(' ')} exited ${code}`));
      // Second line: the children's "user system", e.g. "0m0.512s 0m0.104s".
      const seconds = (out.trim().split('\n')[1] ?? '').split(/\s+/).map((t) => {
        const m = /^(\d+)m([\d.]+)s$/.exec(t);
        return m ? Number(m[1]) * 60 + Number(m[2]) : 0;
      });
      done({ wallMs, cpuMs: (seconds[0] ?? 0) * 1000 + (seconds[1] ?? 0) * 1000 });
    });
  });
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function measure(label: string): Promise<Record<string, number>> {
  const medians: Record<string, number> = {};
  for (const [name, args] of Object.entries(COMMANDS)) {
    // Warm-up: file system cache, Node's compile cache. A checkout from before `--version` existed exits 2 there.
    if (name === 'version' && !(await once(args).then(() => true, () => false))) {
      console.log(`${label.padEnd(10)} ${name.padEnd(9)} not supported by this checkout`);
      continue;
    }
    await once(args);
    const runs: Timing[] = [];
    for (let i = 0; i < RUNS; i++) runs.push(await once(args));
    medians[name] = Math.round(median(runs.map((r) => r.wallMs)));
    const cpu = Math.round(median(runs.map((r) => r.cpuMs)));
    console.log(
      `${label.padEnd(10)} ${name.padEnd(9)} median ${String(medians[name]).padStart(5)} ms (cpu ${String(cpu).padStart(4)} ms)  ` +
        `runs ${runs.map((r) => Math.round(r.wallMs)).join(' ')}  ${medians[name] <= TARGET_MS ? 'met' : 'MISSED'} (target <= ${TARGET_MS} ms)`,
    );
  }
  return medians;
}

function startHub(): Promise<ChildProcess> {
  return new Promise((done, fail) => {
    const hub = spawn(node, [join(root, 'dist/main.js')], { cwd: root, env, stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    hub.stdout!.on('data', (d) => {
      out += d;
      if (out.includes('Tsunagi is up')) done(hub);
    });
    hub.once('exit', (code) => fail(new Error(`the hub exited with ${code} before it was up`)));
  });
}

let hub: ChildProcess | undefined;
try {
  console.log(`cli-bench: ${cmd} ${prefix.join(' ')} in ${root}; ${RUNS} runs per command after a warm-up; load average ${loadavg().map((l) => l.toFixed(1)).join(' ')}`);
  await once(['status']); // the first start creates the embedded database and seeds the sandbox
  const standalone = await measure('no hub');
  hub = await startHub();
  const joined = await measure('hub runs');
  console.log(`load average at the end ${loadavg().map((l) => l.toFixed(1)).join(' ')}`);
  const line = (m: Record<string, number>) => `status_ms=${m.status} health_ms=${m.health} simulate_ms=${m.simulate} help_ms=${m.help}`;
  console.log(`cli-bench-no-hub ${line(standalone)} version_ms=${standalone.version ?? 'n/a'}`);
  console.log(`cli-bench ${line(joined)}`);
} finally {
  if (hub && hub.exitCode === null) {
    hub.kill('SIGTERM');
    await new Promise((r) => hub!.once('exit', r));
  }
  rmSync(dataDir, { recursive: true, force: true });
}
