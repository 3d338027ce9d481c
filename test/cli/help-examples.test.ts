/**
 * Every example in every `--help` runs as printed against the bundled data (README: "every
 * command has --help with examples"). Each command's help is printed through the CLI, every
 * `$ ballast …` line is run: exit 0. The only rewrites are where an example writes a file
 * (`-o FILE`, `> FILE`: redirected to a temporary directory, so the worktree is untouched) and
 * `echo '…' | ballast …` (the echoed text is fed on stdin).
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli, runCliProcess } from './run-cli.ts';

const COMMANDS = [
  [],
  ['price'],
  ['surface'],
  ['market'],
  ['market', 'build'],
  ['margin'],
  ['compare'],
  ['whatif'],
  ['var'],
  ['stress'],
  ['health'],
  ['backtest'],
  ['optimize'],
  ['cure'],
  ['allocate'],
  ['demo'],
];

const out = mkdtempSync(join(tmpdir(), 'ballast-help-'));

/** Splits a shell line into words (single-quoted words kept whole). */
function words(line: string): string[] {
  return [...line.matchAll(/'([^']*)'|(\S+)/g)].map((m) => m[1] ?? m[2]!);
}

interface Example {
  readonly line: string;
  readonly args: string[];
  readonly stdin?: string;
}

/** The examples of one command's help, as runnable argument lists. */
async function examplesOf(command: string[]): Promise<Example[]> {
  const r = await runCli([...command, '--help']);
  expect(r.status, r.stderr).toBe(0);
  return r.stdout
    .split('\n')
    .filter((l) => l.includes('ballast ') && /^\s*\$ /.test(l))
    .map((l) => l.trim().slice(2))
    .map((line): Example => {
      let w = words(line);
      let stdin: string | undefined;
      if (w[0] === 'echo') {
        stdin = `${w[1]}\n`;
        w = w.slice(w.indexOf('|') + 1);
      }
      const redirect = w.indexOf('>');
      if (redirect >= 0) w = [...w.slice(0, redirect), '-o', join(out, w[redirect + 1]!)];
      const o = w.indexOf('-o');
      if (o >= 0 && !w[o + 1]!.startsWith(out)) w[o + 1] = join(out, w[o + 1]!);
      expect(w[0], line).toBe('ballast');
      return { line, args: w.slice(1), ...(stdin === undefined ? {} : { stdin }) };
    });
}

describe('every --help example runs as printed', () => {
  it('market and demo have examples; every command has at least one', async () => {
    for (const c of COMMANDS) expect((await examplesOf(c)).length, c.join(' ')).toBeGreaterThan(0);
  });

  for (const command of COMMANDS) {
    it(`ballast ${command.join(' ')} --help`, async () => {
      const examples = await examplesOf(command);
      for (const ex of examples) {
        const r = ex.stdin === undefined ? await runCli(ex.args) : runCliProcess(ex.args, ex.stdin);
        expect(r.status, `${ex.line}\n${r.stderr}`).toBe(0);
        expect(r.stdout.length + r.stderr.length, ex.line).toBeGreaterThan(0);
      }
    }, 600_000);
  }
});
