import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
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
  it('passes on src/ (the margin-model/what-if cycle is allow-listed for issue 8)', () => {
    const r = cruise('src');
    expect(r.out).toMatch(/no dependency violations found \((\d+) modules/);
    expect(Number(/\((\d+) modules/.exec(r.out)![1])).toBeGreaterThan(100);
    expect(r.status).toBe(0);
  }, 120_000);
});
