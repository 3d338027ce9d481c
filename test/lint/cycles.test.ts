import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

// The import-cycle rule (.dependency-cruiser.cjs, run by `npm run lint`) counts type-only
// imports; this checks the rule itself on a fixture cycle and on src/.
const cwd = fileURLToPath(new URL('../../', import.meta.url));
const bin = 'node_modules/dependency-cruiser/bin/dependency-cruise.mjs';

function cruise(path: string): { status: number | null; out: string } {
  const r = spawnSync(
    process.execPath,
    [bin, path, '--config', '.dependency-cruiser.cjs', '--output-type', 'err'],
    { cwd, encoding: 'utf8' },
  );
  return { status: r.status, out: `${r.stdout}${r.stderr}` };
}

describe('import-cycle rule', () => {
  it('fails on a cycle whose one end is a type-only import', () => {
    const r = cruise('test/fixtures/import-cycle');
    expect(r.status).not.toBe(0);
    expect(r.out).toMatch(/no-circular/);
    expect(r.out).toMatch(/quote\.ts/);
    expect(r.out).toMatch(/fit\.ts/);
  }, 60_000);
  it('fails on the former margin-model.ts <-> what-if.ts cycle, rebuilt in a temp dir', () => {
    // The rule once allow-listed these two file names; rebuild the cycle's shape (contract
    // type-imports the what-if result, what-if type-imports the contract) and check it fails.
    const dir = mkdtempSync(join(cwd, 'test-output-cycle-'));
    try {
      writeFileSync(
        join(dir, 'margin-model.ts'),
        "import type { WhatIfResult } from './what-if.ts';\nexport interface MarginModel { whatIf?(): WhatIfResult; }\n",
      );
      writeFileSync(
        join(dir, 'what-if.ts'),
        "import type { MarginModel } from './margin-model.ts';\nexport interface WhatIfResult { model: MarginModel; }\n",
      );
      const r = cruise(relative(cwd, dir));
      expect(r.status).not.toBe(0);
      expect(r.out).toMatch(/no-circular/);
      expect(r.out).toMatch(/margin-model\.ts/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
  it('has no allow-list: the rule forbids every cycle', () => {
    const config = createRequire(import.meta.url)('../../.dependency-cruiser.cjs') as {
      forbidden: { name: string; to: Record<string, unknown> }[];
    };
    const rule = config.forbidden.find((f) => f.name === 'no-circular')!;
    expect(rule.to).toEqual({ circular: true });
  });
  it('passes on src/ (no cycle left, none allow-listed)', () => {
    const r = cruise('src');
    expect(r.out).toMatch(/no dependency violations found \((\d+) modules/);
    expect(Number(/\((\d+) modules/.exec(r.out)![1])).toBeGreaterThan(100);
    expect(r.status).toBe(0);
  }, 120_000);
});
