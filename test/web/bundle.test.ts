/**
 * The committed dashboard bundle (web/bundle, served by `ballast serve`) is the build of the
 * current web/src: a fresh `vite build` into a temp folder gives the same files, byte for byte.
 * If this fails, run `npm run web:build` and commit web/bundle.
 */
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { build } from 'vite';
import { ROOT } from '../cli/run-cli.ts';

function files(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else out.set(relative(dir, p), readFileSync(p, 'latin1'));
    }
  };
  walk(dir);
  return out;
}

describe('web/bundle', () => {
  it('is the vite build of web/src as committed', async () => {
    const outDir = mkdtempSync(join(tmpdir(), 'ballast-web-'));
    const cwd = process.cwd();
    const nodeEnv = process.env.NODE_ENV;
    process.chdir(ROOT);
    process.env.NODE_ENV = 'production'; // as `npm run web:build` (vitest sets 'test')
    try {
      await build({
        mode: 'production',
        configFile: join(ROOT, 'web/vite.config.ts'),
        logLevel: 'silent',
        build: { outDir, emptyOutDir: true },
      });
    } finally {
      process.chdir(cwd);
      process.env.NODE_ENV = nodeEnv;
    }
    const fresh = files(outDir);
    const committed = files(join(ROOT, 'web/bundle'));
    expect([...fresh.keys()].sort()).toEqual([...committed.keys()].sort());
    expect(fresh.size).toBeGreaterThanOrEqual(3);
    for (const [name, text] of fresh) expect(committed.get(name) === text, name).toBe(true);
  }, 120_000);
});
