/**
 * `npm run fuzz -- --cases N [--seed S] [--filter TEXT] [--hang-ms MS] [--classes]`: runs the
 * fuzz classes of test/fuzz/classes.ts (every importer, the snapshot loader, every model's
 * parameters) on N generated inputs with a fixed seed and prints the table of issue 9 (inputs,
 * crashes, hangs, silent acceptances per area); `--classes` adds one row per class. Exit 1 if
 * any crash, hang or silent acceptance was found (their first inputs are printed).
 */
import { renderTable } from '../src/io/table.ts';
import { runFuzz, totalsByArea } from '../test/fuzz/harness.ts';

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i < 0 ? undefined : process.argv[i + 1];
}

const cases = Number(arg('--cases') ?? 10000);
const seed = Number(arg('--seed') ?? 20261121);
const hangMs = Number(arg('--hang-ms') ?? 5000);
const filter = arg('--filter');
if (!(Number.isInteger(cases) && cases > 0) || !Number.isSafeInteger(seed) || !(hangMs > 0)) {
  process.stderr.write(
    'error: --cases must be a whole number > 0, --seed an integer, --hang-ms > 0\n',
  );
  process.exit(2);
}

const t0 = performance.now();
const rows = runFuzz({
  cases,
  seed,
  hangMs,
  ...(filter === undefined ? {} : { filter }),
  onClass: (_r, done, of) => {
    if (process.stderr.isTTY) process.stderr.write(`\rfuzz: class ${done}/${of}`);
  },
});
if (process.stderr.isTTY) process.stderr.write('\n');
const seconds = (performance.now() - t0) / 1000;
const totals = totalsByArea(rows);
const sum = (k: 'inputs' | 'crashes' | 'hangs' | 'silentAcceptances') =>
  totals.reduce((s, t) => s + t[k], 0);

process.stdout.write(
  `fuzz: ${sum('inputs')} inputs in ${rows.length} classes, seed ${seed}, ${seconds.toFixed(0)} s; a hang is a case over ${hangMs} ms\n`,
);
process.stdout.write(
  renderTable(
    [
      'library',
      'classes',
      'inputs',
      'rejected (typed)',
      'accepted',
      'crashes',
      'hangs',
      'silent acceptances',
      'slowest case ms',
    ],
    [
      ...totals.map((t) => [
        t.area,
        t.classes,
        t.inputs,
        t.rejected,
        t.accepted,
        t.crashes,
        t.hangs,
        t.silentAcceptances,
        t.slowestMs.toFixed(1),
      ]),
      [
        'total',
        rows.length,
        sum('inputs'),
        '',
        '',
        sum('crashes'),
        sum('hangs'),
        sum('silentAcceptances'),
        '',
      ],
    ].map((r) => r.map(String)),
  ) + '\n',
);
if (process.argv.includes('--classes'))
  process.stdout.write(
    renderTable(
      ['class', 'expect', 'inputs', 'rejected', 'accepted', 'crashes', 'hangs', 'silent'],
      rows.map((r) =>
        [
          r.name,
          r.expect,
          r.inputs,
          r.rejected,
          r.accepted,
          r.crashes,
          r.hangs,
          r.silentAcceptances,
        ].map(String),
      ),
    ) + '\n',
  );
const failed = rows.filter((r) => r.failures.length > 0);
for (const r of failed)
  for (const f of r.failures)
    process.stdout.write(`FAIL ${r.name}: ${f.outcome}\n  input: ${f.input}\n`);
process.exitCode = failed.length > 0 ? 1 : 0;
