// Whether a hub serves this data directory: the gateway (of `npm start`, or of the distributed mode) writes
// hub.json there (its pid and URL) once it listens and removes it when it closes; health reads the file and asks
// the URL's /healthz, so a hub that crashed or hangs is not taken for a running one.
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pidAlive } from '../platform/process-lock.js';

const HUB_FILE = 'hub.json';
const ANSWER_TIMEOUT_MS = 3000;

interface HubInfo {
  pid: number;
  /** The gateway's GraphQL URL. */
  url: string;
  startedAt: string;
}

export interface HubStatus {
  ok: boolean;
  detail: string;
  url?: string;
  /** When the running hub started (each output shows it in its own time format). */
  since?: Date;
}

/** Announces this process's gateway; the returned function withdraws it (only while the file is still its own). */
export function announceHub(dataDir: string, url: string): () => void {
  const file = join(dataDir, HUB_FILE);
  const info: HubInfo = { pid: process.pid, url, startedAt: new Date().toISOString() };
  mkdirSync(dataDir, { recursive: true });
  writeFileSync(file, JSON.stringify(info));
  return () => {
    if (read(file)?.url === url) rmSync(file, { force: true });
  };
}

export async function hubStatus(dataDir: string): Promise<HubStatus> {
  const file = join(dataDir, HUB_FILE);
  const info = read(file);
  if (!info) return { ok: false, detail: `no hub is running for ${dataDir} (start one with npm start)` };
  if (!pidAlive(info.pid)) return { ok: false, detail: `the hub (process ${info.pid}) that served ${dataDir} is gone; start one with npm start` };
  const healthz = new URL('/healthz', info.url);
  try {
    const res = await fetch(healthz, { signal: AbortSignal.timeout(ANSWER_TIMEOUT_MS) });
    if (!res.ok) return { ok: false, detail: `the hub (process ${info.pid}) answers /healthz with HTTP ${res.status}`, url: info.url };
  } catch (err) {
    return { ok: false, detail: `the hub (process ${info.pid}) does not answer at ${healthz.origin}: ${(err as Error).message}`, url: info.url };
  }
  return { ok: true, detail: `running (process ${info.pid}) at ${info.url}`, url: info.url, since: new Date(info.startedAt) };
}

function read(file: string): HubInfo | undefined {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as HubInfo;
  } catch {
    return undefined;
  }
}
