// Where optimised images live: the data directory by default, one file per content hash (sha256, hex) under a
// two-character fan-out, written through a temporary name so a reader never sees half a file. The gateway serves
// the same layout at /media/<hash>.<ext> (gateway/media.ts).
import { existsSync } from 'node:fs';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/** A content hash as the store names files: sha256 in lower-case hex. */
export const CONTENT_HASH = /^[0-9a-f]{64}$/;

/** The file of a content hash and extension under `dir`. */
export const mediaPath = (dir: string, hash: string, ext: string) => join(dir, hash.slice(0, 2), `${hash}.${ext}`);

export class FileMediaStore {
  constructor(
    readonly dir: string,
    /** The URL the files are served under: the hub's /media, or a CDN in front of it. */
    private readonly baseUrl: string,
  ) {}

  has(hash: string, ext: string): boolean {
    return existsSync(mediaPath(this.dir, hash, ext));
  }

  async put(hash: string, ext: string, data: Buffer): Promise<void> {
    if (!CONTENT_HASH.test(hash)) throw new Error(`media store: "${hash}" is not a content hash`);
    const path = mediaPath(this.dir, hash, ext);
    await mkdir(join(this.dir, hash.slice(0, 2)), { recursive: true });
    const tmp = `${path}.${process.pid}.${Date.now()}.tmp`;
    await writeFile(tmp, data);
    await rename(tmp, path);
  }

  read(hash: string, ext: string): Promise<Buffer> {
    return readFile(mediaPath(this.dir, hash, ext));
  }

  url(hash: string, ext: string): string {
    return `${this.baseUrl.replace(/\/$/, '')}/${hash}.${ext}`;
  }
}
