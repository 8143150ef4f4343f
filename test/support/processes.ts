// Child processes for tests that kill a hub with SIGKILL: the simulators (sandbox-process.mjs) and hub processes
// (hub-process.mjs), both speaking JSON lines on stdin/stdout. They run dist/: `npm run build` first.
import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { Config } from '../../platform/config/index.js';
import { ROOT } from './cli.js';

export type Line = Record<string, any>;

export interface Child {
  process: ChildProcess;
  /** Every JSON line printed so far, in order. */
  lines: Line[];
  /** The first line from index `from` on for which `match` gives a value; rejects when the process ends first or after `ms`. */
  until<T>(match: (line: Line) => T | undefined, ms: number, what: string, from?: number): Promise<T>;
  /** Writes a command ({name: args}) and resolves with its answer: the next line carrying the same name. */
  ask<T>(command: Record<string, unknown>, ms?: number): Promise<T>;
  /** Its stderr so far (for failure messages). */
  stderr(): string;
  /** Sends the signal and resolves once the process is gone. */
  kill(signal: NodeJS.Signals): Promise<void>;
}

export function startChild(script: string, args: string[]): Child {
  const child = spawn(process.execPath, [join(ROOT, 'test/support', script), ...args], { cwd: ROOT, stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, NODE_OPTIONS: '' } });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-20_000)));
  const lines: Line[] = [];
  const waiting = new Set<() => void>();
  const wakeAll = () => {
    for (const w of waiting) w();
  };
  let ended = false;
  createInterface({ input: child.stdout! }).on('line', (line) => {
    lines.push(JSON.parse(line) as Line);
    wakeAll();
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => {
    ended = true;
    wakeAll();
    resolve();
  }));
  const until = async <T>(match: (line: Line) => T | undefined, ms: number, what: string, from = 0): Promise<T> => {
    const deadline = Date.now() + ms;
    for (let i = from; ; ) {
      for (; i < lines.length; i++) {
        const found = match(lines[i]!);
        if (found !== undefined) return found;
      }
      if (ended) throw new Error(`${script} ended (${child.exitCode ?? child.signalCode}) while waiting for ${what}:\n${stderr}`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out after ${ms} ms waiting for ${what} from ${script}:\n${stderr}`);
      await new Promise<void>((resolve) => {
        const wake = () => (clearTimeout(timer), waiting.delete(wake), resolve());
        const timer = setTimeout(wake, left);
        waiting.add(wake);
      });
    }
  };
  return {
    process: child, lines, until,
    ask: <T>(command: Record<string, unknown>, ms = 30_000) => {
      const [name] = Object.keys(command);
      const from = lines.length;
      child.stdin!.write(`${JSON.stringify(command)}\n`);
      return until<T>((l) => l[name!] as T | undefined, ms, `the answer to ${name}`, from);
    },
    stderr: () => stderr,
    kill: async (signal) => {
      if (!ended) child.kill(signal);
      await exited;
    },
  };
}

/** The simulators' process for `dataDir`, once it serves (other processes join it with openSandbox({dataDir})). */
export async function startSimulators(dataDir: string): Promise<Child> {
  const sims = startChild('sandbox-process.mjs', [dataDir]);
  await sims.until((l) => l.ready, 30_000, 'the simulators');
  return sims;
}

/** A hub process on the test's database and simulators; resolves with its first line ({ready: true, ...}). */
export async function startHub<T extends { ready: true }>(
  settings: { config: Config; databaseUrl: string; dataDir: string; role: 'stream' | 'orders'; lease?: { leaseMs: number; heartbeatMs: number } },
  name: string,
): Promise<{ hub: Child; ready: T }> {
  const file = join(settings.dataDir, `${name}.json`);
  writeFileSync(file, JSON.stringify(settings), { mode: 0o600 });
  const hub = startChild('hub-process.mjs', [file]);
  try {
    return { hub, ready: await hub.until((l) => (l.ready ? (l as T) : undefined), 60_000, 'the hub to start') };
  } catch (err) {
    await hub.kill('SIGKILL');
    throw err;
  }
}
