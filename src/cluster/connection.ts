/**
 * Our small interface over the NATS client (@nats-io/transport-node, @nats-io/jetstream,
 * @nats-io/kv): one connection with its JetStream client, manager and KV manager. Reconnects
 * forever (a restarted server is picked up again); an unreachable server at start is a typed
 * error naming `--nats`.
 */
import { connect, type NatsConnection } from '@nats-io/transport-node';
import {
  jetstream,
  jetstreamManager,
  type JetStreamClient,
  type JetStreamManager,
} from '@nats-io/jetstream';
import { Kvm } from '@nats-io/kv';
import { BallastError } from '../core/errors.ts';

/** A connection to a NATS server with JetStream. */
export interface ClusterConnection {
  readonly url: string;
  readonly nc: NatsConnection;
  readonly js: JetStreamClient;
  readonly jsm: JetStreamManager;
  readonly kvm: Kvm;
}

/** Connects to `url` (e.g. nats://127.0.0.1:4222); UNSUPPORTED-free: INVALID_INPUT on `--nats`. */
export async function connectCluster(url: string, name: string): Promise<ClusterConnection> {
  let nc: NatsConnection;
  try {
    nc = await connect({
      servers: url,
      name,
      maxReconnectAttempts: -1,
      reconnectTimeWait: 250,
      timeout: 5000,
    });
  } catch (e) {
    throw new BallastError(
      'INVALID_INPUT',
      `cannot reach a NATS server at ${url} (${(e as Error).message}); start one with: nats-server -js -a 127.0.0.1 -p 4222`,
      '--nats',
    );
  }
  try {
    const jsm = await jetstreamManager(nc, { timeout: 10_000 });
    return { url, nc, js: jetstream(nc, { timeout: 10_000 }), jsm, kvm: new Kvm(nc) };
  } catch (e) {
    await nc.close();
    throw new BallastError(
      'INVALID_INPUT',
      `the NATS server at ${url} has no JetStream (${(e as Error).message}); start it with -js`,
      '--nats',
    );
  }
}

/** Closes the connection after flushing what was published. */
export async function closeCluster(c: ClusterConnection): Promise<void> {
  if (c.nc.isClosed()) return;
  await c.nc.drain().catch(() => c.nc.close());
}
