// Directories holding the database files, the sandbox's state and key files: readable by their owner only.
import { chmodSync, mkdirSync, statSync } from 'node:fs';

/** Creates `path` (and missing parents) 0700; an existing directory this user owns is tightened to 0700. */
export function ensurePrivateDir(path: string): void {
  mkdirSync(path, { recursive: true, mode: 0o700 });
  const st = statSync(path);
  if ((st.mode & 0o077) !== 0 && st.uid === process.getuid?.()) chmodSync(path, 0o700);
}
