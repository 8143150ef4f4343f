// Sandbox mode: the three marketplace simulators with their state in the data directory. The first process
// that needs them (the hub, or a CLI command when no hub runs) starts them and records their addresses in
// dataDir/sandbox/simulators.json; any other process uses those addresses, and drives the simulators'
// control methods through the owner's loopback control endpoint, so every process sees one marketplace.
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { AmazonSimulator } from '../amazon/simulator.js';
import { RakutenSimulator } from '../rakuten/simulator.js';
import { YahooSimulator } from '../yahoo/simulator.js';
import { claimOrJoin } from '../../platform/process-lock.js';
import { SimulatorServer } from './server.js';
import { ensurePrivateDir } from '../../platform/private-dir.js';

export type SandboxSystem = 'amazon' | 'yahoo' | 'rakuten';

/** The simulator methods other processes may call: reads and the sandbox CLI's changes, nothing else. */
const CONTROL_METHODS: Record<SandboxSystem, string[]> = {
  amazon: ['seed', 'clear', 'count', 'setQuantity', 'getQuantity', 'skus'],
  yahoo: ['seed', 'clear', 'reset', 'addItem', 'addMissing', 'setQuantity', 'getQuantity', 'issueRefreshToken'],
  rakuten: ['seed', 'clear', 'reset', 'addMissing', 'setQuantity', 'getQuantity'],
};

export interface SandboxUrls {
  amazon: string;
  yahoo: string;
  rakuten: string;
  control: string;
}

export interface Sandbox {
  urls: SandboxUrls;
  /** True when this process runs the simulators. */
  owner: boolean;
  /** The process running the simulators (this one when owner). */
  ownerPid: number;
  call<T = unknown>(system: SandboxSystem, method: string, ...args: unknown[]): Promise<T>;
  /** The in-process simulators (owner only), for tests and benchmarks. */
  simulators?: { amazon: AmazonSimulator; yahoo: YahooSimulator; rakuten: RakutenSimulator };
  close(): Promise<void>;
}

export interface SandboxOptions {
  /** Where state persists; undefined = memory only and never shared. */
  dataDir?: string;
  /** false removes the simulators' rate limits (benchmarks); batching limits stay. */
  rateLimits?: boolean;
}

interface Registry {
  pid: number;
  urls: SandboxUrls;
}

async function reachable(url: string): Promise<boolean> {
  try {
    await fetch(`${url}/health`, { signal: AbortSignal.timeout(1000) });
    return true;
  } catch {
    return false;
  }
}

export async function openSandbox(opts: SandboxOptions = {}): Promise<Sandbox> {
  if (!opts.dataDir) return startSandbox(opts, undefined);
  const dir = join(opts.dataDir, 'sandbox');
  ensurePrivateDir(dir);
  const registryFile = join(dir, 'simulators.json');
  return claimOrJoin<Registry, Sandbox>({
    file: registryFile,
    answers: (info) => (info.urls ? reachable(info.urls.control) : Promise.resolve(false)),
    join: (info) => remoteSandbox(info.urls, info.pid),
    start: async () => {
      const sandbox = await startSandbox(opts, dir);
      const close = sandbox.close;
      sandbox.close = async () => {
        await close();
        rmSync(registryFile, { force: true });
      };
      return { result: sandbox, publish: { pid: process.pid, urls: sandbox.urls } };
    },
  });
}

async function startSandbox(opts: SandboxOptions, dir: string | undefined): Promise<Sandbox> {
  const state = (name: string) => (dir ? join(dir, `${name}.json`) : undefined);
  const unlimited = opts.rateLimits === false;
  const simulators = {
    amazon: new AmazonSimulator({ stateFile: state('amazon'), ...(unlimited ? { rateLimit: false } : {}) }),
    yahoo: new YahooSimulator({ stateFile: state('yahoo'), ...(unlimited ? { rateLimit: false } : {}) }),
    rakuten: new RakutenSimulator({ stateFile: state('rakuten'), ...(unlimited ? { rateLimit: false } : {}) }),
  };
  const call = async <T,>(system: SandboxSystem, method: string, ...args: unknown[]): Promise<T> => {
    if (!CONTROL_METHODS[system]?.includes(method)) throw new Error(`sandbox: ${system}.${method} is not a control method`);
    const target = simulators[system] as unknown as Record<string, (...a: unknown[]) => unknown>;
    return (await target[method](...args)) as T;
  };
  const control = new SimulatorServer('sandbox-control', async (req) => {
    if (req.path === '/health') return { status: 200, body: { ok: true } };
    if (req.method !== 'POST' || req.path !== '/control') return { status: 404, body: { error: 'not found' } };
    const { system, method, args } = JSON.parse(req.body) as { system: SandboxSystem; method: string; args: unknown[] };
    try {
      return { status: 200, body: { result: (await call(system, method, ...(args ?? []))) ?? null } };
    } catch (err) {
      return { status: 400, body: { error: (err as Error).message } };
    }
  });
  const urls: SandboxUrls = {
    amazon: await simulators.amazon.listen(),
    yahoo: await simulators.yahoo.listen(),
    rakuten: await simulators.rakuten.listen(),
    control: await control.listen(),
  };
  return {
    urls,
    owner: true,
    ownerPid: process.pid,
    call,
    simulators,
    async close() {
      await control.close();
      await Promise.all(Object.values(simulators).map((s) => s.close()));
    },
  };
}

function remoteSandbox(urls: SandboxUrls, ownerPid: number): Sandbox {
  return {
    urls,
    owner: false,
    ownerPid,
    async call<T>(system: SandboxSystem, method: string, ...args: unknown[]): Promise<T> {
      const res = await fetch(`${urls.control}/control`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ system, method, args }),
      });
      const body = (await res.json()) as { result?: T; error?: string };
      if (!res.ok) throw new Error(body.error ?? `sandbox control answered ${res.status}`);
      return body.result as T;
    },
    close: async () => {},
  };
}
