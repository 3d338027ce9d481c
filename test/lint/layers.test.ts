import { describe, expect, it } from 'vitest';
import { ESLint } from 'eslint';
import { fileURLToPath } from 'node:url';

// The layer rule of docs/architecture.md is enforced by lint; this checks the rule itself.
const cwd = fileURLToPath(new URL('../../', import.meta.url));
const eslint = new ESLint({ cwd });

async function messages(code: string, filePath: string): Promise<string[]> {
  const [r] = await eslint.lintText(code, { filePath });
  return (r?.messages ?? []).map((m) => `${m.ruleId}: ${m.message}`);
}

describe('layer rule', () => {
  it('flags an import from a lower layer (core → market)', async () => {
    const m = await messages(
      "import { markInstrument } from '../market/marks.ts';\nexport const x = markInstrument;\n",
      'src/core/bad.ts',
    );
    expect(m.join('\n')).toMatch(/layer core may not import from market/);
  }, 30_000);
  it('allows an import from a higher layer (pricing → core)', async () => {
    const m = await messages(
      "import { normCdf } from '../core/normal.ts';\nexport const x = normCdf;\n",
      'src/pricing/ok.ts',
    );
    expect(m).toEqual([]);
  }, 30_000);
  it('flags I/O and the clock in a pure layer', async () => {
    const m = await messages(
      "import { readFileSync } from 'node:fs';\nexport const x = readFileSync;\nexport const t = Date.now();\n",
      'src/risk/bad.ts',
    );
    expect(m.join('\n')).toMatch(/no-restricted-imports/);
    expect(m.join('\n')).toMatch(/no-restricted-properties/);
  }, 30_000);
});
