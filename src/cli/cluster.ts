/** `ballast cluster publish | watch | status | reset`: the coordinator side of the cluster. */
import { Command, Option } from '@commander-js/extra-typings';
import { makeConfig } from '../cluster/cluster-config.ts';
import { closeCluster, connectCluster, type ClusterConnection } from '../cluster/connection.ts';
import {
  changesFromJsonl,
  publishRun,
  tickFileFromJsonl,
  type TickFile,
} from '../cluster/coordinator.ts';
import type { AccountChange } from '../cluster/messages.ts';
import type { MarketSnapshot } from '../market/snapshot.ts';
import { leaseHolders, liveWorkers } from '../cluster/leases.ts';
import { watchCluster, type TickSummary } from '../cluster/watch.ts';
import { destroyTopology, stateBucket, topology, type Topology } from '../cluster/topology.ts';
import { BallastError } from '../core/errors.ts';
import { readTextFile } from '../io/read-json.ts';
import { fmt, renderTable } from '../io/table.ts';
import { marginModel } from '../margin/registry.ts';
import {
  loadMarketChecked,
  marketOptions,
  modelIds,
  modelParams,
  parseDuration,
} from './context.ts';
import { guarded, numberOption } from './errors.ts';

const natsOption = () =>
  new Option(
    '--nats <url>',
    'NATS server with JetStream, e.g. nats://127.0.0.1:4222',
  ).makeOptionMandatory();
const prefixOption = () =>
  new Option('--prefix <prefix>', 'cluster name: prefix of its streams and buckets').default(
    'ballast',
  );

async function withCluster<T>(
  url: string,
  prefix: string,
  fn: (c: ClusterConnection, t: Topology) => Promise<T>,
) {
  const t = topology(prefix);
  const c = await connectCluster(url, 'ballast-cluster');
  try {
    return await fn(c, t);
  } finally {
    await closeCluster(c);
  }
}

function integer(flag: string) {
  const n = numberOption(flag);
  return (v: string) => {
    const x = n(v);
    if (!Number.isSafeInteger(x) || x < 1)
      throw new BallastError('INVALID_INPUT', `expected an integer ≥ 1, got "${v}"`, flag);
    return x;
  };
}

/**
 * The ticks file of `cluster publish` (the ticks-file schema of `ballast engine run`): its
 * steps and the lines skipped (unknown underlying or account). A tick without an index is
 * UNSUPPORTED for the per-account models.
 */
function readTicksFile(
  path: string | undefined,
  snapshot: MarketSnapshot,
  modelId: string,
  changes: readonly AccountChange[],
): TickFile {
  if (path === undefined)
    return { steps: [], ignored: { 'unknown-underlying': 0, 'unknown-account': 0 } };
  const lastSeq = new Map<string, number>();
  for (const ch of changes) lastSeq.set(ch.id, Math.max(ch.seq, lastSeq.get(ch.id) ?? 0));
  const file = tickFileFromJsonl(
    readTextFile(path),
    path,
    new Set(Object.keys(snapshot.underlyings)),
    lastSeq,
  );
  for (const t of file.steps)
    if ('underlying' in t && t.index === undefined && modelId !== 'deribit-pm')
      throw new BallastError(
        'UNSUPPORTED',
        `forwards and ATM vol ticks are applied by the engine (deribit-pm); ${modelId} needs an "index"`,
        `${path}: tick ${t.tick}`,
      );
  return file;
}

function publishCommand() {
  const cmd = new Command('publish')
    .description('Configure the cluster, load accounts onto the account stream and replay ticks')
    .addOption(natsOption())
    .addOption(prefixOption())
    .requiredOption(
      '--accounts <file.jsonl>',
      'one account per line: {"id", "positions", "balances"} (sizes in coins)',
    )
    .option(
      '--ticks <file.jsonl>',
      'ticks and account changes, one per line, the file of `ballast engine run --ticks`: {"underlying", "index", "time", "forwards", "atmVolShift"[, "tick"]} (index in USD; forwards and vol: deribit-pm) or {"account": {"id", "positions", "balances"}}; an unknown underlying or account id is counted and skipped',
    )
    .addOption(new Option('--model <id>', 'margin model').choices(modelIds()).default('deribit-pm'))
    .option('--params <file>', 'JSON file of parameter overrides, merged over the model defaults')
    .option('--interval <ms>', 'pause between ticks (ms)', integer('--interval'))
    .option(
      '--partitions <n>',
      'account partitions (fixed for the life of the cluster)',
      integer('--partitions'),
      16,
    )
    .option('--lease-ttl <duration>', 'a dead worker’s partitions move after this long', '10s')
    .option('--ack-wait <duration>', 'unacknowledged input is redelivered after this long', '30s')
    .option('--batch-size <n>', 'results per message', integer('--batch-size'), 500)
    .option('--json', 'print a JSON summary', false);
  return marketOptions(cmd)
    .addHelpText(
      'after',
      `
Examples:
  $ ballast cluster publish --nats nats://127.0.0.1:4222 --accounts examples/cluster/accounts.jsonl --market data/deribit-quantflow/deribit_btc.json.gz --allow-stale --ticks examples/cluster/ticks.jsonl
  $ ballast cluster publish --nats nats://127.0.0.1:4222 --prefix demo --accounts examples/cluster/accounts.jsonl --market snapshot.json --model okx-pm

Publishing the same files again stores nothing new (message ids). Start workers with \`ballast worker\`.`,
    )
    .action(
      guarded(async (o) => {
        const { snapshot, warnings } = loadMarketChecked(o);
        for (const w of warnings) process.stderr.write(`note: ${w}\n`);
        const model = marginModel(o.model);
        const cfg = makeConfig(snapshot, model.id, modelParams(model, o.params), {
          partitions: o.partitions,
          leaseTtlMs: parseDuration(o.leaseTtl, '--lease-ttl'),
          ackWaitMs: parseDuration(o.ackWait, '--ack-wait'),
          batchSize: o.batchSize,
        });
        const changes = changesFromJsonl(readTextFile(o.accounts), o.accounts);
        const { steps: ticks, ignored } = readTicksFile(o.ticks, snapshot, model.id, changes);
        const s = await withCluster(o.nats, o.prefix, (c, t) =>
          publishRun(c, t, cfg, changes, ticks, { intervalMs: o.interval }),
        );
        if (o.json) {
          process.stdout.write(
            `${JSON.stringify({ prefix: o.prefix, model: model.id, ...s, ignored })}\n`,
          );
          return;
        }
        const skipped = Object.entries(ignored)
          .filter(([, n]) => n > 0)
          .map(([k, n]) => `${n} ${k}`)
          .join(', ');
        process.stdout.write(
          `published to ${o.prefix}: ${s.changes} account changes (${s.duplicateChanges} already stored), ${s.ticks} ticks (${s.duplicateTicks} already stored)${skipped ? `, ignored: ${skipped}` : ''}; model ${model.id}, ${cfg.partitions} partitions\n`,
        );
      }),
    );
}

function summaryLine(s: TickSummary): string {
  const lat = s.latencyMs === undefined ? 'n/a' : `${fmt(s.latencyMs, 0)} ms`;
  return `tick ${s.tick}: ${s.accounts} of ${s.held} accounts re-margined (${s.partitions} partitions), ${s.calls} calls raised, tick to last result ${lat}`;
}

function watchCommand() {
  return new Command('watch')
    .description('Print health events as they come and a summary per tick')
    .addOption(natsOption())
    .addOption(prefixOption())
    .option('--from-start', 'also show what is already stored', false)
    .option('--ticks <n>', 'exit after the summaries of n ticks', integer('--ticks'))
    .option('--timeout <duration>', 'exit after this long')
    .option('--json', 'one JSON object per line (events and tick summaries)', false)
    .addHelpText(
      'after',
      `
Examples:
  $ ballast cluster watch --nats nats://127.0.0.1:4222
  $ ballast cluster watch --nats nats://127.0.0.1:4222 --from-start --ticks 3 --json

A tick's summary is printed once every partition has reported it and its results have
stopped arriving for 1.5 s (after 10 s without results, whatever has arrived); "N of M accounts
re-margined": for deribit-pm only the accounts holding an instrument the tick moved. The
latency is measured by the server's clock, from the tick stored to the tick's last result stored.`,
    )
    .action(
      guarded(async (o) => {
        const timeoutMs =
          o.timeout === undefined ? undefined : parseDuration(o.timeout, '--timeout');
        await withCluster(o.nats, o.prefix, async (c, t) => {
          const lastSeen = new Map<number, number>();
          const printed = new Set<number>();
          const w = await watchCluster(c, t, {
            fromStart: o.fromStart,
            keepResults: false,
            onEvent: (e) =>
              process.stdout.write(
                o.json
                  ? `${JSON.stringify({ event: e })}\n`
                  : `event tick ${e.tick}: ${e.id} ${e.from} → ${e.to}, shortfall ${fmt(e.shortfall, 4)} ${e.currency}${e.worstScenario ? `, worst ${e.worstScenario}` : ''}\n`,
              ),
            onResults: (tick) => lastSeen.set(tick, Date.now()),
          });
          const started = Date.now();
          const state = await stateBucket(c, t);
          let partitions: number | undefined;
          // A tick is summed up once every partition reported it and its results stopped
          // for 1.5 s (or after 10 s without results, whatever reported).
          const settled = (tick: number, at: number) => {
            const quiet = Date.now() - at;
            return quiet >= 10_000 || (quiet >= 1500 && w.summary(tick).partitions >= partitions!);
          };
          await new Promise<void>((resolve) => {
            const timer = setInterval(() => {
              if (partitions === undefined)
                void state
                  .get('config')
                  .then((e) => {
                    if (e?.operation === 'PUT')
                      partitions = e.json<{ partitions: number }>().partitions;
                  })
                  .catch(() => undefined);
              for (const [tick, at] of [...lastSeen].sort((a, b) => a[0] - b[0])) {
                if (tick === 0 || printed.has(tick) || !settled(tick, at)) continue;
                printed.add(tick);
                const s = w.summary(tick);
                process.stdout.write(
                  o.json ? `${JSON.stringify({ summary: s })}\n` : `${summaryLine(s)}\n`,
                );
              }
              const enough = o.ticks !== undefined && printed.size >= o.ticks;
              if (enough || (timeoutMs !== undefined && Date.now() - started > timeoutMs)) {
                clearInterval(timer);
                resolve();
              }
            }, 250);
          });
          await w.stop();
        });
      }),
    );
}

function statusCommand() {
  return new Command('status')
    .description('Live workers, partition leases and stored message counts')
    .addOption(natsOption())
    .addOption(prefixOption())
    .addHelpText('after', `\nExample:\n  $ ballast cluster status --nats nats://127.0.0.1:4222`)
    .action(
      guarded(async (o) => {
        await withCluster(o.nats, o.prefix, async (c, t) => {
          const hasLeases = await c.jsm.streams.info(`KV_${t.leaseBucket}`).then(
            () => true,
            () => false,
          );
          const kv = hasLeases ? await c.kvm.open(t.leaseBucket) : undefined;
          const workers = kv ? await liveWorkers(kv) : [];
          const holders = kv ? await leaseHolders(kv) : new Map<number, string>();
          const rows = [];
          for (const [k, name] of Object.entries(t.streams)) {
            const info = await c.jsm.streams.info(name).catch(() => undefined);
            rows.push([k, name, info ? String(info.state.messages) : 'absent']);
          }
          process.stdout.write(`${renderTable(['stream', 'name', 'messages'], rows)}\n`);
          process.stdout.write(`workers: ${workers.join(', ') || 'none'}\n`);
          const by = new Map<string, number[]>();
          for (const [p, w] of holders) by.set(w, [...(by.get(w) ?? []), p]);
          for (const [w, ps] of by)
            process.stdout.write(`  ${w}: partitions ${ps.sort((a, b) => a - b).join(',')}\n`);
        });
      }),
    );
}

function resetCommand() {
  return new Command('reset')
    .description('Delete the cluster’s streams and buckets (results, events, config, leases)')
    .addOption(natsOption())
    .addOption(prefixOption())
    .addHelpText(
      'after',
      `\nExample:\n  $ ballast cluster reset --nats nats://127.0.0.1:4222 --prefix demo`,
    )
    .action(
      guarded(async (o) => {
        await withCluster(o.nats, o.prefix, (c, t) => destroyTopology(c, t));
        process.stdout.write(`deleted the streams and buckets of ${o.prefix}\n`);
      }),
    );
}

/** Builds the `cluster` command. */
export function clusterCommand() {
  return new Command('cluster')
    .description('The engine on NATS JetStream: publish accounts and ticks, watch events')
    .addCommand(publishCommand())
    .addCommand(watchCommand())
    .addCommand(statusCommand())
    .addCommand(resetCommand());
}
