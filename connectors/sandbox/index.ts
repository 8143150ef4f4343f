// Sandbox mode: the simulators the registry's connectors declare, with their state in the data directory. The first process
// that needs them (the hub, or a CLI command when no hub runs) starts them and records their addresses in
// dataDir/sandbox/simulators.json; any other process uses those addresses, and drives the simulators'
// control methods through the owner's loopback control endpoint, so every process sees one marketplace.
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import type { AmazonSimulator } from '../amazon/simulator.js';
import type { NotifySimulator } from '../notify/simulator.js';
import { CONNECTORS } from '../index.js';
import type { RakutenSimulator } from '../rakuten/simulator.js';
import type { YahooSimulator } from '../yahoo/simulator.js';
import type { ConnectorDescriptor, Simulator } from '../../platform/integrations/index.js';
import { claimOrJoin } from '../../platform/process-lock.js';
import { SimulatorServer } from './server.js';
import { ensurePrivateDir } from '../../platform/private-dir.js';

/** Control methods every simulator has: stop serving, and serve again at the same address. */
export const SANDBOX_STOP = 'stop';
export const SANDBOX_START = 'start';

/** A connector id whose descriptor has a simulator. */
export type SandboxSystem = string;

/** Each simulator's base URL by connector id (its other endpoints as `<id>.<name>`), and the owner's control endpoint. */
export type SandboxUrls = Record<string, string> & { control: string };

/** The shipped marketplaces' simulators are typed for tests and benchmarks; any other is a plain Simulator. */
export type SandboxSimulators = Record<string, Simulator> & {
  amazon: AmazonSimulator; yahoo: YahooSimulator; rakuten: RakutenSimulator; notify: NotifySimulator;
};

export interface Sandbox {
  urls: SandboxUrls;
  /** True when this process runs the simulators. */
  owner: boolean;
  /** The process running the simulators (this one when owner). */
  ownerPid: number;
  call<T = unknown>(system: SandboxSystem, method: string, ...args: unknown[]): Promise<T>;
  /** The in-process simulators (owner only), for tests and benchmarks. */
  simulators?: SandboxSimulators;
  close(): Promise<void>;
}

export interface SandboxOptions {
  /** Where state persists; undefined = memory only and never shared. */
  dataDir?: string;
  /** false: shared through dataDir, but the simulators keep their state in memory only (benchmarks). */
  persist?: boolean;
  /** false removes the simulators' rate limits (benchmarks); batching limits stay. */
  rateLimits?: boolean;
  /** The connectors whose simulators run (default: every shipped connector that has one). */
  connectors?: ConnectorDescriptor[];
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
  const rateLimits = opts.rateLimits !== false;
  const simulated = (opts.connectors ?? CONNECTORS).filter((d) => d.simulator);
  const simulators: Record<string, Simulator> = {};
  const controlMethods: Record<string, string[]> = {};
  for (const d of simulated) {
    simulators[d.id] = d.simulator!.create({ stateFile: dir && opts.persist !== false ? join(dir, `${d.id}.json`) : undefined, rateLimits });
    controlMethods[d.id] = d.simulator!.controlMethods;
  }
  const urls: Record<string, string> = {};
  const call = async <T,>(system: SandboxSystem, method: string, ...args: unknown[]): Promise<T> => {
    // Any simulator can be stopped (its address refuses connections, as a system down does) and started again there.
    if (Object.hasOwn(simulators, system) && (method === SANDBOX_STOP || method === SANDBOX_START)) {
      const sim = simulators[system]!;
      return (method === SANDBOX_STOP ? await sim.close() : await sim.listen(Number(new URL(urls[system]!).port))) as T;
    }
    if (!Object.hasOwn(controlMethods, system) || !controlMethods[system]!.includes(method)) {
      throw new Error(`sandbox: ${system}.${method} is not a control method`);
    }
    const target = simulators[system] as unknown as Record<string, (...a: unknown[]) => unknown>;
    return (await target[method]!(...args)) as T;
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
  try {
    for (const [id, sim] of Object.entries(simulators)) {
      urls[id] = await sim.listen();
      for (const [name, url] of Object.entries(sim.endpoints?.() ?? {})) urls[`${id}.${name}`] = url;
    }
    urls.control = await control.listen();
  } catch (err) {
    await Promise.all([control.close(), ...Object.values(simulators).map((s) => s.close())].map((p) => p.catch(() => {})));
    throw err;
  }
  return {
    urls: urls as SandboxUrls,
    owner: true,
    ownerPid: process.pid,
    call,
    simulators: simulators as SandboxSimulators,
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
