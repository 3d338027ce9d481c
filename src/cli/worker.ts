/** `ballast worker`: one cluster worker (src/cluster/worker.ts) until interrupted. */
import { hostname } from 'node:os';
import { Command } from '@commander-js/extra-typings';
import { DEFAULT_SNAPSHOT_MS, startWorker } from '../cluster/worker.ts';
import { BallastError } from '../core/errors.ts';
import { parseDuration } from './context.ts';
import { guarded } from './errors.ts';

/** Builds the `worker` command. */
export function workerCommand() {
  return new Command('worker')
    .description(
      'Run a cluster worker: lease account partitions on NATS JetStream, re-margin them on every tick and account change, publish results and health events',
    )
    .requiredOption('--nats <url>', 'NATS server with JetStream, e.g. nats://127.0.0.1:4222')
    .option('--name <name>', 'worker name (unique in the cluster)', `${hostname()}-${process.pid}`)
    .option('--prefix <prefix>', 'cluster name: prefix of its streams and buckets', 'ballast')
    .option(
      '--snapshot-every <duration>',
      'write each held partition’s accounts to the KV bucket this often (0: never); a takeover then replays only the account changes after it',
      `${DEFAULT_SNAPSHOT_MS / 1000}s`,
    )
    .option('--quiet', 'log only errors', false)
    .addHelpText(
      'after',
      `
Examples:
  $ ballast worker --nats nats://127.0.0.1:4222 --name w1
  $ ballast worker --nats nats://127.0.0.1:4222 --name w2 --prefix demo

The worker waits for \`ballast cluster publish\` to configure the cluster, takes a fair share of
the partitions, and hands them over when stopped (Ctrl-C). A killed worker's partitions are
taken over by the others when its leases expire. Logs go to stderr.`,
    )
    .action(
      guarded(async (o) => {
        const log = (line: string) => {
          if (!o.quiet || /fail|bad|stopped on/.test(line))
            process.stderr.write(`${new Date().toISOString()} ${line}\n`);
        };
        if (!/^[A-Za-z0-9_-]{1,64}$/.test(o.name))
          throw new BallastError(
            'INVALID_INPUT',
            `must be letters, digits, - or _, got "${o.name}"`,
            '--name',
          );
        const snapshotMs =
          o.snapshotEvery === '0' ? 0 : parseDuration(o.snapshotEvery, '--snapshot-every');
        const w = await startWorker({
          url: o.nats,
          name: o.name,
          prefix: o.prefix,
          log,
          snapshotMs,
        });
        const stop = () => {
          log(`worker ${o.name}: stopping, handing partitions back`);
          void w.stop();
        };
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
        await w.done;
        log(
          `worker ${o.name}: stopped after ${w.stats.ticks} partition-ticks, ${w.stats.accountsMargined} accounts margined on ticks, ${w.stats.changes} account changes (${w.stats.replayed} replayed), ${w.stats.events} events, ${w.stats.snapshots} snapshots`,
        );
      }),
    );
}
