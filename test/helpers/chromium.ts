import { existsSync } from 'node:fs';
import { describe } from 'vitest';

/** Debian's chromium, the only browser the browser tests drive (never a download). */
export const CHROMIUM = '/usr/bin/chromium';

/**
 * True when the browser suites are skipped: `/usr/bin/chromium` is missing and this is not CI.
 * Under CI (`CI=true`, set by `.ci/run`, which installs chromium first) they always run, and a
 * missing browser fails them.
 */
export const browserSkipped = !existsSync(CHROMIUM) && process.env.CI !== 'true';

/** `describe` for a browser suite: skipped with the reason printed when `browserSkipped`. */
export function describeBrowser(name: string, body: () => void): void {
  if (!browserSkipped) {
    describe(name, body);
    return;
  }
  console.log(
    `${name}: skipped: ${CHROMIUM} is missing (apt-get install -y chromium; .ci/run installs it and runs these tests)`,
  );
  describe.skip(name, body);
}

/** Throws the install hint when the browser is missing (a suite's `beforeAll`, under CI). */
export function requireChromium(): void {
  if (!existsSync(CHROMIUM))
    throw new Error(`${CHROMIUM} is missing: apt-get install -y chromium (.ci/run does)`);
}
