// Headless Chromium for the browser tests, driven by playwright-core: the binary shipped inside the npm package
// @sparticuz/chromium (nothing is downloaded at install), or Debian's /usr/bin/chromium when that one cannot
// start. No background networking: this machine has no network beyond loopback.
import { existsSync } from 'node:fs';
import chromium from '@sparticuz/chromium';
import { chromium as playwright, type Browser } from 'playwright-core';

const QUIET = ['--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-quic'];
const DEBIAN = '/usr/bin/chromium';

export async function launchBrowser(): Promise<Browser> {
  try {
    // Its args are made for a one-page serverless function: one process for everything, which loses a second
    // browser context. The tests want ordinary multi-process Chromium.
    const args = chromium.args.filter((a) => a !== '--single-process');
    return await playwright.launch({ executablePath: await chromium.executablePath(), args: [...args, ...QUIET], headless: true });
  } catch (err) {
    if (!existsSync(DEBIAN)) throw err;
    return playwright.launch({ executablePath: DEBIAN, args: ['--no-sandbox', '--disable-gpu', ...QUIET], headless: true });
  }
}
