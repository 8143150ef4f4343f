// The part of @20minutes/s3rver (no bundled types) the media store's tests use: a local S3 server that checks
// SigV4 signatures, and its events for the objects created.
declare module '@20minutes/s3rver' {
  import type { AddressInfo } from 'node:net';
  import { EventEmitter } from 'node:events';

  interface S3rverOptions {
    address?: string;
    port?: number;
    silent?: boolean;
    directory: string;
    resetOnClose?: boolean;
    configureBuckets?: { name: string }[];
  }

  interface S3Event {
    Records: { eventName: string; s3: { bucket: { name: string }; object: { key: string } } }[];
  }

  class S3rver extends EventEmitter {
    constructor(options: S3rverOptions);
    run(): Promise<AddressInfo>;
    close(): Promise<void>;
    on(event: 'event', listener: (event: S3Event) => void): this;
  }
  export default S3rver;
}
