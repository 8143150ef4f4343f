// The part of autocannon 9's programmatic API the gateway bench's load process uses (the package ships no types).
declare module 'autocannon' {
  interface Options {
    url: string;
    connections: number;
    duration: number;
    overallRate?: number;
    method?: string;
    headers?: Record<string, string>;
    body?: string;
    expectBody?: string;
  }
  interface Result {
    errors: number;
    timeouts: number;
    non2xx: number;
    mismatches: number;
  }
  interface Instance {
    /** Each response: its client (one per connection), status, bytes and time since its request was written, ms. */
    on(event: 'response', listener: (client: object, statusCode: number, resBytes: number, responseTime: number) => void): this;
  }
  function autocannon(opts: Options, done: (err: Error | null, result: Result) => void): Instance;
  export default autocannon;
}
