// Ends a jest run with one plain line, "jest: N passed, N failed, N skipped", that any CI can read.
export default class SummaryReporter {
  onRunComplete(_contexts, results) {
    const { numPassedTests: passed, numFailedTests: failed, numPendingTests: skipped } = results;
    process.stdout.write(`jest: ${passed} passed, ${failed} failed, ${skipped} skipped\n`);
  }
}
