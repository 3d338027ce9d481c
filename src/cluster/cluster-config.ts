/**
 * The cluster's configuration, written once by the coordinator into the state bucket (key
 * `config`) and read by every worker: partition count, margin model and its parameters, the
 * base market snapshot (tick 0), lease TTL, acknowledgement wait and result batch size.
 */
import type { KV } from '@nats-io/kv';
import { BallastError } from '../core/errors.ts';
import { snapshotFromJson, snapshotToJson } from '../io/snapshot-json.ts';
import { marginModel } from '../margin/registry.ts';
import type { MarketSnapshot } from '../market/snapshot.ts';
import type { ModelSetup } from './marginer.ts';

/** The stored configuration (plain JSON). */
export interface ClusterConfig {
  readonly partitions: number;
  readonly model: string;
  readonly params: unknown;
  /** The base snapshot (io/snapshot-json.ts form). */
  readonly market: unknown;
  /** A partition lease lapses this long after its last renewal (ms). */
  readonly leaseTtlMs: number;
  /** An unacknowledged input message is redelivered after this long (ms). */
  readonly ackWaitMs: number;
  /** Results per published batch message. */
  readonly batchSize: number;
}

/** Defaults for a cluster on one machine. */
export const DEFAULT_CONFIG = {
  partitions: 16,
  leaseTtlMs: 10_000,
  ackWaitMs: 30_000,
  batchSize: 500,
} as const;

/** A config for `snapshot` and model `modelId` (validated). */
export function makeConfig(
  snapshot: MarketSnapshot,
  modelId: string,
  params: unknown,
  options: Partial<Pick<ClusterConfig, 'partitions' | 'leaseTtlMs' | 'ackWaitMs' | 'batchSize'>>,
): ClusterConfig {
  const cfg = { ...DEFAULT_CONFIG, ...options };
  const ints: [number, string, number][] = [
    [cfg.partitions, '--partitions', 1],
    [cfg.leaseTtlMs, '--lease-ttl', 1000],
    [cfg.ackWaitMs, '--ack-wait', 1000],
    [cfg.batchSize, '--batch-size', 1],
  ];
  for (const [v, field, min] of ints)
    if (!Number.isSafeInteger(v) || v < min)
      throw new BallastError('INVALID_INPUT', `must be an integer ≥ ${min}, got ${v}`, field);
  marginModel(modelId);
  return { ...cfg, model: modelId, params, market: snapshotToJson(snapshot) };
}

/** The model, parameters and base snapshot of a config. */
export function configSetup(cfg: ClusterConfig): { setup: ModelSetup; base: MarketSnapshot } {
  return {
    setup: { model: marginModel(cfg.model, 'config.model'), params: cfg.params },
    base: snapshotFromJson(cfg.market, 'config.market'),
  };
}

/**
 * Stores `cfg` unless the cluster already has a config; an existing different one is
 * INVALID_INPUT (use another --prefix or `ballast cluster reset`).
 */
export async function storeConfig(kv: KV, cfg: ClusterConfig): Promise<void> {
  const text = JSON.stringify(cfg);
  const existing = await kv.get('config');
  if (existing && existing.operation === 'PUT') {
    if (existing.string() === text) return;
    throw new BallastError(
      'INVALID_INPUT',
      'this cluster already runs with another market, model or settings; use another --prefix or run `ballast cluster reset`',
      '--prefix',
    );
  }
  await kv.put('config', text);
}

/** Reads the config, waiting for the coordinator to write it (undefined when `stop()`). */
export async function awaitConfig(
  kv: KV,
  stop: () => boolean,
  pollMs = 500,
): Promise<ClusterConfig | undefined> {
  while (!stop()) {
    const e = await kv.get('config').catch(() => null);
    if (e && e.operation === 'PUT') return e.json<ClusterConfig>();
    await new Promise((r) => setTimeout(r, pollMs));
  }
  return undefined;
}
