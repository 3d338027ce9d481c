/**
 * Results of a batch as typed arrays, one slot per account (in shared memory for worker
 * threads): equity, IM, MM and utilization in `currency` (a pool index into the table's pool
 * currencies, or −1 for USD when several pools were combined), the health state, and where
 * the worst case is (vector key and cell of the pool with the largest IM).
 */
import { float64 } from './instrument-table.ts';

/** Per-account results. */
export interface BatchResults {
  readonly equity: Float64Array;
  readonly initialMargin: Float64Array;
  readonly maintenanceMargin: Float64Array;
  readonly utilization: Float64Array;
  /** `STATE_*` of health-state.ts. */
  readonly state: Uint8Array;
  readonly currency: Int32Array;
  readonly worstKey: Int32Array;
  readonly worstCell: Int32Array;
}

function typed<T extends Int32Array | Uint8Array>(
  Ctor: { new (b: ArrayBufferLike, o: number, n: number): T; BYTES_PER_ELEMENT: number },
  n: number,
  shared: boolean,
): T {
  const bytes = Ctor.BYTES_PER_ELEMENT * Math.max(n, 1);
  return new Ctor(shared ? new SharedArrayBuffer(bytes) : new ArrayBuffer(bytes), 0, n);
}

/** Allocates results for `n` accounts (shared memory when asked). */
export function batchResults(n: number, shared = false): BatchResults {
  return {
    equity: float64(n, shared),
    initialMargin: float64(n, shared),
    maintenanceMargin: float64(n, shared),
    utilization: float64(n, shared),
    state: typed(Uint8Array, n, shared),
    currency: typed(Int32Array, n, shared),
    worstKey: typed(Int32Array, n, shared),
    worstCell: typed(Int32Array, n, shared),
  };
}

/** Bytes of results per account. */
export const RESULT_BYTES_PER_ACCOUNT = 4 * 8 + 1 + 3 * 4;
