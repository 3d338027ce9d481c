/**
 * `ballast demo` (npm run demo): the main job on bundled real data. Builds a market
 * snapshot from the recorded Deribit BTC book, shows the fitted surface, and marks a few
 * instruments from it.
 */
import { Command } from '@commander-js/extra-typings';
import { fileURLToPath } from 'node:url';
import { toIso } from '../core/time.ts';
import { parseSymbol } from '../instruments/symbol.ts';
import { markInstrument } from '../market/marks.ts';
import { buildSnapshotFromFile } from '../io/load-market.ts';
import { renderSurfaceReport } from '../io/render-surface.ts';
import { fmt, renderTable } from '../io/table.ts';
import { guarded } from './errors.ts';

/** The bundled raw Deribit BTC book summary. */
export const BUNDLED_DERIBIT_BTC = fileURLToPath(new URL('../../data/deribit-quantflow/deribit_btc.json.gz', import.meta.url));

/** Builds the `demo` command. */
export function demoCommand() {
  return new Command('demo')
    .description('Run the main job on the bundled real Deribit BTC snapshot')
    .action(
      guarded(() => {
        const { snapshot, slices } = buildSnapshotFromFile(BUNDLED_DERIBIT_BTC);
        const out: string[] = [];
        out.push(`Ballast demo: Deribit BTC book recorded ${toIso(snapshot.asOfMs)}`, '');
        out.push(renderSurfaceReport('BTC', slices.BTC ?? []), '');
        const btc = snapshot.underlyings.BTC!;
        out.push(`index ${fmt(btc.index, 2)} USD, perp basis ${fmt(btc.perpBasis, 2)} USD`, '');
        const symbols = ['BTC-PERPETUAL', 'BTC-25SEP26', 'BTC-25SEP26-70000-C', 'BTC-25SEP26-55000-P', 'BTC-25DEC26-80000-C'];
        const rows = symbols.map((s) => {
          const inst = parseSymbol(s, 'deribit');
          const m = markInstrument(inst, snapshot);
          return [s, inst.kind, fmt(m.forward, 2), m.vol === undefined ? '—' : fmt(m.vol * 100, 2), `${fmt(m.price, m.currency === 'BTC' ? 6 : 2)} ${m.currency}`];
        });
        out.push('Fair-price marks from the fitted surface', renderTable(['instrument', 'kind', 'forward', 'vol %', 'mark'], rows));
        for (const w of snapshot.warnings ?? []) out.push(`note: ${w}`);
        process.stdout.write(`${out.join('\n')}\n`);
      }),
    );
}
