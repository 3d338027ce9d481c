/** `ballast surface <raw-market-file>`: SVI fit per expiry with fit errors and arbitrage flags. */
import { Command } from '@commander-js/extra-typings';
import { toIso } from '../core/time.ts';
import { buildSnapshotFromFile } from '../io/load-market.ts';
import { renderSurfaceReport } from '../io/render-surface.ts';
import { toJsonText } from '../io/json-output.ts';
import { guarded } from './errors.ts';

/** Builds the `surface` command. */
export function surfaceCommand() {
  return new Command('surface')
    .description(
      'Fit a raw-SVI volatility surface per expiry from a raw market file and check it for arbitrage',
    )
    .argument(
      '<raw-market-file>',
      'Deribit book summary (.json or .json.gz) or quantflow vol-surface inputs',
    )
    .option('--repair', 'repair butterfly and calendar arbitrage in the fitted slices', false)
    .option('--json', 'print JSON instead of tables', false)
    .addHelpText(
      'after',
      `
Examples:
  $ ballast surface data/deribit-quantflow/volsurface_btc.json
  $ ballast surface data/deribit-quantflow/deribit_btc.json.gz --repair --json

Columns: DTE in days; forward from the same-expiry future, or "(parity)" from put-call parity;
quotes = OTM options with a usable mid; RMSE/max = vega-weighted fit error in vol points;
butterfly = Gatheral's density g(k) ≥ 0; calendar = total variance non-decreasing in expiry.`,
    )
    .action(
      guarded((file, o) => {
        const { snapshot, slices } = buildSnapshotFromFile(file, { repairArbitrage: o.repair });
        if (o.json) {
          process.stdout.write(
            toJsonText({ asOf: toIso(snapshot.asOfMs), slices, warnings: snapshot.warnings ?? [] }),
          );
          return;
        }
        process.stdout.write(`as of ${toIso(snapshot.asOfMs)}\n`);
        for (const [u, s] of Object.entries(slices))
          process.stdout.write(`\n${renderSurfaceReport(u, s)}\n`);
        for (const w of snapshot.warnings ?? []) process.stdout.write(`note: ${w}\n`);
      }),
    );
}
