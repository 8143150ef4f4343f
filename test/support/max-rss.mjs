// Preloaded into a child process (node --import) so a test can read its peak RSS: printed to stderr on exit.
import { writeSync } from 'node:fs';

process.on('exit', () => writeSync(2, `\nmax_rss_kb=${process.resourceUsage().maxRSS}\n`));
