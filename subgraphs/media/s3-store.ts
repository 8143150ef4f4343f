// The media store in an S3-compatible bucket (AWS S3, MinIO, Ceph, R2 ...), through the AWS SDK (SigV4, retries,
// the service's error codes). Objects are immutable (a key is its content's hash), so a key once seen stored is
// remembered in a bounded set: the image sync's has() per variant costs a HEAD only the first time.
import { GetObjectCommand, HeadObjectCommand, PutObjectCommand, S3Client, S3ServiceException } from '@aws-sdk/client-s3';
import type { Readable } from 'node:stream';
import type { S3StoreConfig } from '../../platform/config/index.js';
import { CONTENT_HASH, MediaStoreError, mediaKey, mediaUrl, type MediaStore, type StoredMedia } from './store.js';

/** Keys remembered as stored; past this the oldest are forgotten (asked again with a HEAD). */
const KNOWN_KEYS = 100_000;
const TYPES: Record<string, string> = { webp: 'image/webp' };

export class S3MediaStore implements MediaStore {
  readonly where: string;
  private readonly client: S3Client;
  private readonly bucket: string;
  private readonly prefix: string;
  private readonly known = new Set<string>();

  constructor(
    config: S3StoreConfig,
    private readonly baseUrl: string,
  ) {
    // commerceProblems refused a config without them at load.
    this.bucket = config.bucket!;
    this.prefix = config.prefix === undefined ? '' : config.prefix.replace(/\/?$/, '/');
    this.where = `bucket "${this.bucket}" at ${config.endpoint ?? `AWS S3 (${config.region})`}`;
    this.client = new S3Client({
      endpoint: config.endpoint,
      region: config.region,
      forcePathStyle: config.forcePathStyle,
      credentials: { accessKeyId: config.accessKeyId!, secretAccessKey: config.secretAccessKey! },
      // Checksums only where S3 requires them: servers other than AWS do not all take the SDK's default trailers.
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
      maxAttempts: 3,
      requestHandler: { connectionTimeout: 5_000, requestTimeout: 30_000 },
    });
  }

  async has(hash: string, ext: string): Promise<boolean> {
    if (CONTENT_HASH.test(hash) && this.known.has(this.key(hash, ext))) return true;
    return (await this.size(hash, ext)) !== null;
  }

  async put(hash: string, ext: string, data: Buffer): Promise<void> {
    if (!CONTENT_HASH.test(hash)) throw new Error(`media store: "${hash}" is not a content hash`);
    const key = this.key(hash, ext);
    await this.call('put', key, () =>
      this.client.send(new PutObjectCommand({ Bucket: this.bucket, Key: key, Body: data, ContentType: TYPES[ext] ?? 'application/octet-stream' })));
    this.remember(key);
  }

  async size(hash: string, ext: string): Promise<number | null> {
    if (!CONTENT_HASH.test(hash)) return null;
    const key = this.key(hash, ext);
    const head = await this.call('head', key, () => this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: key })));
    if (!head) return null;
    this.remember(key);
    return head.ContentLength ?? 0;
  }

  async read(hash: string, ext: string): Promise<StoredMedia | null> {
    if (!CONTENT_HASH.test(hash)) return null;
    const key = this.key(hash, ext);
    const got = await this.call('get', key, () => this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: key })));
    if (!got?.Body) return null;
    this.remember(key);
    return { bytes: got.ContentLength ?? 0, body: got.Body as Readable };
  }

  url(hash: string, ext: string): string {
    return mediaUrl(this.baseUrl, hash, ext);
  }

  async close(): Promise<void> {
    this.client.destroy();
  }

  private key(hash: string, ext: string): string {
    return `${this.prefix}${mediaKey(hash, ext)}`;
  }

  private remember(key: string): void {
    if (this.known.has(key)) return;
    if (this.known.size >= KNOWN_KEYS) this.known.delete(this.known.values().next().value!);
    this.known.add(key);
  }

  /** Runs one request; a missing object is undefined, anything else a MediaStoreError naming the bucket and key. */
  private async call<T>(what: 'head' | 'get' | 'put', key: string, send: () => Promise<T>): Promise<T | undefined> {
    try {
      return await send();
    } catch (err) {
      const status = err instanceof S3ServiceException ? err.$metadata.httpStatusCode : undefined;
      const name = err instanceof S3ServiceException ? err.name : undefined;
      // A HEAD of a missing bucket answers a bare 404 too: the put that follows names the bucket.
      if (what !== 'put' && name !== 'NoSuchBucket' && (status === 404 || name === 'NoSuchKey' || name === 'NotFound')) return undefined;
      throw new MediaStoreError(`media store: ${what} ${key} in ${this.where}: ${explain(err, status, name)}`);
    }
  }
}

/** What went wrong, in words an operator acts on; S3's own code kept. */
function explain(err: unknown, status: number | undefined, name: string | undefined): string {
  const code = name && name !== 'Unknown' && name !== 'UnknownError' ? ` (${name})` : '';
  if (name === 'NoSuchBucket') return 'no such bucket (media.s3.bucket)';
  if (status === 403 || name === 'InvalidAccessKeyId' || name === 'SignatureDoesNotMatch' || name === 'AccessDenied') {
    return `access denied${code}: check media.s3.accessKeyId and media.s3.secretAccessKey, and that they may read and write the bucket`;
  }
  if (status === 301 || name === 'PermanentRedirect' || name === 'AuthorizationHeaderMalformed') {
    return `the bucket is in another region or needs another address style${code}: check media.s3.region and media.s3.forcePathStyle`;
  }
  if (status !== undefined) return `HTTP ${status}${code}: ${(err as Error).message}`;
  return `not reachable: ${(err as Error).message}`;
}
