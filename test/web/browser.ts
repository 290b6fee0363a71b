import fs from 'node:fs';
import path from 'node:path';
import type { TestContext } from 'node:test';
import { type Browser, chromium, type Page } from 'playwright-core';

const EXECUTABLE = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];

export const SCREENSHOT_DIR = path.resolve(import.meta.dirname ?? path.dirname(new URL(import.meta.url).pathname), '../../test-artifacts/screenshots');

/**
 * Debian's Chromium, driven by playwright-core. Without it the browser tests are skipped with a loud
 * notice, unless GITGATE_REQUIRE_BROWSER=1 (CI), where a missing browser fails the run.
 */
export async function launchBrowser(t: TestContext): Promise<Browser | null> {
  if (!fs.existsSync(EXECUTABLE)) {
    const message = `Chromium not found at ${EXECUTABLE}: browser tests need it (apt-get install chromium, or set CHROMIUM_PATH)`;
    if (process.env.GITGATE_REQUIRE_BROWSER === '1') throw new Error(`${message}; GITGATE_REQUIRE_BROWSER=1 forbids skipping`);
    console.warn(`\n!!!!!!!!!!\n!!! SKIPPING BROWSER TESTS: ${message}\n!!!!!!!!!!\n`);
    t.skip(message);
    return null;
  }
  const browser = await chromium.launch({ executablePath: EXECUTABLE, args: ARGS });
  t.after(() => browser.close());
  return browser;
}

export async function screenshot(page: Page, name: string): Promise<void> {
  fs.mkdirSync(SCREENSHOT_DIR, { recursive: true });
  await page.screenshot({ path: path.join(SCREENSHOT_DIR, `${name}.png`), fullPage: true });
}

/** Fails the test on any page script error or dialog: XSS payloads must stay inert. */
export function watchForScripts(page: Page, problems: string[]): void {
  page.on('dialog', (dialog) => {
    problems.push(`dialog: ${dialog.message()}`);
    dialog.dismiss().catch(() => {});
  });
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
}
