// Simulator state that survives the process: a JSON snapshot in the data directory, written atomically
// (temp file + rename) shortly after each change and on close, so consecutive CLI commands see one marketplace.
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

export class PersistentState<T> {
  private timer: NodeJS.Timeout | undefined;
  private dirty = false;
  /** How long the last write took: a large state waits longer between writes, so writing stays a small share of the time. */
  private lastWriteMs = 0;
  readonly data: T;

  /** file undefined = memory only (tests). */
  constructor(
    private readonly file: string | undefined,
    initial: () => T,
    private readonly debounceMs = 200,
  ) {
    this.data = file && existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as T) : initial();
  }

  /** Call after every change. */
  changed(): void {
    this.dirty = true;
    if (!this.file || this.timer) return;
    this.timer = setTimeout(() => this.flush(), Math.max(this.debounceMs, 10 * this.lastWriteMs));
    this.timer.unref();
  }

  flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    // Unchanged state is not written again: closing after a read-only command costs nothing.
    if (!this.file || !this.dirty) return;
    this.dirty = false;
    mkdirSync(dirname(this.file), { recursive: true });
    const started = performance.now();
    const tmp = `${this.file}.${process.pid}.tmp`;
    writeFileSync(tmp, JSON.stringify(this.data));
    renameSync(tmp, this.file);
    this.lastWriteMs = performance.now() - started;
  }
}
