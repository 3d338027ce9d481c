/** `ballast market build <raw-file> -o snapshot.json`. */
import { Command } from '@commander-js/extra-typings';
import { buildSnapshotFromFiles, loadSnapshotFile } from '../io/load-market.ts';
import { writeTextFile } from '../io/read-json.ts';
import { parseDuration } from './context.ts';
import { snapshotToJson } from '../io/snapshot-json.ts';
import { toJsonText } from '../io/json-output.ts';
import { guarded } from './errors.ts';

/** Builds the `market` command group. */
export function marketCommand() {
  const market = new Command('market')
    .description('Market snapshots: build from raw venue data')
    .addHelpText(
      'after',
      `
Examples:
  $ ballast market build data/deribit-quantflow/deribit_btc.json.gz -o snapshot.json
  $ ballast market build data/deribit-quantflow/volsurface_btc.json data/deribit-quantflow/volsurface_eth.json -o snapshot.json`,
    );
  market.addCommand(
    new Command('build')
      .description(
        'Build a market snapshot (index, forwards, SVI surface, perp basis) from a raw market file',
      )
      .argument(
        '<raw-market-file...>',
        'Deribit book summaries (.json or .json.gz) or quantflow vol-surface inputs; several files (e.g. BTC and ETH of the same time) make one snapshot',
      )
      .option('-o, --output <file>', 'write the snapshot here (default: stdout)')
      .option('--repair', 'repair butterfly and calendar arbitrage in the surface', false)
      .option(
        '--previous <snapshot>',
        'the previous snapshot: the perpetual basis is smoothed from it (exponential average over time)',
      )
      .option(
        '--basis-half-life <duration>',
        'half-life of the basis smoothing (e.g. 30s, 5m)',
        '30s',
      )
      .addHelpText(
        'after',
        `
Examples:
  $ ballast market build data/deribit-quantflow/deribit_btc.json.gz -o snapshot.json
  $ ballast market build data/deribit-quantflow/volsurface_eth.json --repair > eth.json
  $ ballast market build data/deribit-quantflow/volsurface_btc.json data/deribit-quantflow/volsurface_eth.json -o snapshot.json
  $ ballast market build data/deribit-quantflow/deribit_btc.json.gz --previous examples/btc-snapshot.json --basis-half-life 1m -o snapshot.json

The snapshot format is documented in docs/schema/market-snapshot.schema.json.`,
      )
      .action(
        guarded((files, o) => {
          const previous = o.previous === undefined ? undefined : loadSnapshotFile(o.previous);
          const basisHalfLifeMs = parseDuration(o.basisHalfLife, '--basis-half-life');
          const { snapshot, slices } = buildSnapshotFromFiles(files, {
            repairArbitrage: o.repair,
            basisHalfLifeMs,
            ...(previous ? { previous } : {}),
          });
          const text = toJsonText(snapshotToJson(snapshot));
          if (o.output === undefined) {
            process.stdout.write(text);
            return;
          }
          writeTextFile(o.output, text);
          for (const [u, s] of Object.entries(slices)) {
            const fitted = s.filter((x) => x.params).length;
            process.stderr.write(
              `${u}: ${snapshot.underlyings[u]!.forwards.length} forwards, ${fitted} of ${s.length} expiries fitted\n`,
            );
          }
          for (const w of snapshot.warnings ?? []) process.stderr.write(`note: ${w}\n`);
          process.stderr.write(`wrote ${o.output}\n`);
        }),
      ),
  );
  return market;
}
