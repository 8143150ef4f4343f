// Single-machine ownership of a resource in the data directory (the embedded database, the simulators): the
// first process claims a lock file and publishes how to reach it; later processes join the live owner, and a
// lock left by a dead process is taken over.
import { closeSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';

export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export interface OwnerInfo {
  pid: number;
}

export interface ClaimOptions<T extends OwnerInfo, R> {
  file: string;
  /** Whether the live owner that wrote `info` answers (its server is listening). */
  answers(info: T): Promise<boolean>;
  /** Use the owner's resource. */
  join(info: T): R;
  /** This process owns the lock: start the resource and return what to publish in the file. */
  start(): Promise<{ result: R; publish: T }>;
}

export async function claimOrJoin<T extends OwnerInfo, R>(opts: ClaimOptions<T, R>): Promise<R> {
  // An owner may take several seconds to start (a first PGlite start creates the cluster).
  for (let attempt = 0; attempt < 300; attempt++) {
    let fd: number;
    try {
      fd = openSync(opts.file, 'wx');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      let info: T | undefined;
      try {
        info = JSON.parse(readFileSync(opts.file, 'utf8')) as T;
      } catch {
        // The owner has created the file but not written it yet.
      }
      if (info && pidAlive(info.pid) && (await opts.answers(info))) return opts.join(info);
      if (info && !pidAlive(info.pid)) rmSync(opts.file, { force: true });
      await new Promise((r) => setTimeout(r, 100));
      continue;
    }
    try {
      writeFileSync(fd, JSON.stringify({ pid: process.pid }));
      const { result, publish } = await opts.start();
      writeFileSync(opts.file, JSON.stringify(publish));
      return result;
    } catch (err) {
      rmSync(opts.file, { force: true });
      throw err;
    } finally {
      closeSync(fd);
    }
  }
  throw new Error(`${opts.file} is held by another process that does not answer; remove the file if no Tsunagi process runs`);
}
