// How much garbage a process may hold before V8 collects it. V8 lets the old generation grow to about four times
// what is live after a full collection. A stock sync streams the catalogue page by page: its live heap stays at
// 40–70 MB whether the catalogue has 100,000 SKUs or 300,000, but every finished page survives a few young-generation
// collections while its calls are in flight, so without this the resident size settles near 300 MB. The processes
// that run syncs (hub, worker, subgraph servers, CLI) collect at 1.25× their live heap instead: a few more full
// collections of a small heap (milliseconds each), about 190 MB resident at either size (README: Benchmarks).
import v8 from 'node:v8';

export const HEAP_GROWING_PERCENT = 25;

/** Sets this process's heap growth; V8 reads it whenever it computes the next collection's limit. */
export function keepHeapCompact(): void {
  v8.setFlagsFromString(`--heap-growing-percent=${HEAP_GROWING_PERCENT}`);
}
