// What the catalog asks of the systems behind its channels.

/**
 * Creates, on a channel, the listings it lacks (quantity 0) and answers how many it created. Only the sandbox
 * has one: a merchant's real malls already hold the listings a master names, its simulated ones must be told.
 */
export interface ListingProvisioner {
  createMissing(channel: string, codes: string[]): Promise<number>;
}
