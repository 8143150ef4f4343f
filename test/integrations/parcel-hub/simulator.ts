// The throwaway system's local server: accepts parcels with the right API key and keeps them in memory.
import { SimulatorServer } from '../../../connectors/sandbox/server.js';

export const PARCEL_HUB_SANDBOX_KEY = 'parcel-hub-sandbox-key';

export class ParcelHubSimulator {
  readonly parcels: { ref: string; weightGrams: number }[] = [];
  /** Set by a test: the next answers to a parcel break the contract (an id that is not a number). */
  breakContract = false;
  private readonly server = new SimulatorServer('parcel-hub', (req) => {
    if (req.headers['x-api-key'] !== PARCEL_HUB_SANDBOX_KEY) return { status: 401, body: { error: 'bad key' } };
    if (req.method === 'GET' && req.path === '/ping') return { status: 200, body: { ok: true } };
    if (req.method === 'POST' && req.path === '/parcels') {
      const parcel = JSON.parse(req.body) as { ref: string; weightGrams: number };
      this.parcels.push(parcel);
      return { status: 201, body: { id: this.breakContract ? `P${this.parcels.length}` : this.parcels.length } };
    }
    return { status: 404, body: { error: 'not found' } };
  });

  listen(): Promise<string> {
    return this.server.listen();
  }

  close(): Promise<void> {
    return this.server.close();
  }

  count(): number {
    return this.parcels.length;
  }
}
