// A run's report as the CLI gives it (sync, rollback, stock set): the report itself with --json, else its text —
// the same lines the scheduled job logs and the API's `text` carries (subgraphs/inventory/services/report.ts).
import type { RunReport } from '../subgraphs/inventory/service.js';
import type { Output } from './output.js';

export async function printReport(r: RunReport, out: Output): Promise<void> {
  out.result(r);
  if (out.json) return;
  const { formatReport } = await import('../subgraphs/inventory/services/report.js');
  for (const line of formatReport(r)) out.line(line);
}
