// Where optimised images live, one object per content hash (sha256, hex) under a two-character fan-out: the data
// directory by default (media.store: file), an S3-compatible bucket by config (media.store: s3, s3-store.ts). The
// gateway serves either at /media/<hash>.<ext> (gateway/media.ts), so an image's URL does not depend on the store.
import { createReadStream } from 'node:fs';
import { mkdir, rename, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import type { MediaSection } from '../../platform/config/index.js';
import { AppError } from '../../platform/errors.js';

/** A content hash as the store names objects: sha256 in lower-case hex. */
export const CONTENT_HASH = /^[0-9a-f]{64}$/;

/** The object of a content hash and extension, relative to the store's root (a directory or a key prefix). */
export const mediaKey = (hash: string, ext: string) => `${hash.slice(0, 2)}/${hash}.${ext}`;

/** The store could not be reached or refused (credentials, a missing bucket): the message names where. */
export class MediaStoreError extends AppError {
  readonly code = 'UPSTREAM_FAILED';
  override readonly name = 'MediaStoreError';
}

/** A stored object as the gateway sends it. */
export interface StoredMedia {
  bytes: number;
  body: Readable;
}

export interface MediaStore {
  /** Where the objects are, for messages (a directory, or a bucket at its endpoint). */
  readonly where: string;
  /** Whether the object is stored. Cheap: the image sync asks once per variant. */
  has(hash: string, ext: string): Promise<boolean>;
  put(hash: string, ext: string, data: Buffer): Promise<void>;
  /** The object's size, or null when it is not stored (a HEAD request). */
  size(hash: string, ext: string): Promise<number | null>;
  /** The object's bytes, or null when it is not stored. */
  read(hash: string, ext: string): Promise<StoredMedia | null>;
  /** The URL the object is served at: the hub's /media, or a CDN in front of it. */
  url(hash: string, ext: string): string;
  close(): Promise<void>;
}

const checkHash = (hash: string) => {
  if (!CONTENT_HASH.test(hash)) throw new Error(`media store: "${hash}" is not a content hash`);
};

/** The URL of an object under `baseUrl`: the name alone, whatever the store's fan-out. */
export const mediaUrl = (baseUrl: string, hash: string, ext: string) => `${baseUrl.replace(/\/$/, '')}/${hash}.${ext}`;

/** Files in a directory, each written through a temporary name so a reader never sees half a file. */
export class FileMediaStore implements MediaStore {
  constructor(
    readonly dir: string,
    private readonly baseUrl: string,
  ) {}

  get where(): string {
    return this.dir;
  }

  async has(hash: string, ext: string): Promise<boolean> {
    return (await this.size(hash, ext)) !== null;
  }

  async put(hash: string, ext: string, data: Buffer): Promise<void> {
    checkHash(hash);
    const path = join(this.dir, mediaKey(hash, ext));
    await mkdir(join(this.dir, hash.slice(0, 2)), { recursive: true });
    const tmp = `${path}.${process.pid}.${Date.now()}.tmp`;
    await writeFile(tmp, data);
    await rename(tmp, path);
  }

  async size(hash: string, ext: string): Promise<number | null> {
    if (!CONTENT_HASH.test(hash)) return null;
    const info = await stat(join(this.dir, mediaKey(hash, ext))).catch(() => undefined);
    return info?.isFile() ? info.size : null;
  }

  async read(hash: string, ext: string): Promise<StoredMedia | null> {
    const bytes = await this.size(hash, ext);
    return bytes === null ? null : { bytes, body: createReadStream(join(this.dir, mediaKey(hash, ext))) };
  }

  url(hash: string, ext: string): string {
    return mediaUrl(this.baseUrl, hash, ext);
  }

  async close(): Promise<void> {}
}

/**
 * The store media.store names; `dir` is the file store's directory. The S3 store's SDK is loaded only when it is
 * configured: it is most of what a CLI command would otherwise load and never use.
 */
export async function createMediaStore(settings: MediaSection, dir: string): Promise<MediaStore> {
  if (settings.store !== 's3') return new FileMediaStore(dir, settings.baseUrl);
  const { S3MediaStore } = await import('./s3-store.js');
  return new S3MediaStore(settings.s3, settings.baseUrl);
}
