/**
 * Synthetic books and ticks for the cluster tests, benchmark and examples: `n` accounts of `k`
 * positions drawn (seeded) from the bundled BTC chain (options on fitted expiries and
 * futures), sizes ±0.1–3 coins, BTC collateral 0.6–3 coins per 10 positions, so that most
 * accounts are healthy and some sit near their margin-call line; ticks move the BTC index by
 * up to ±6 % around the base.
 */
import { seededRng } from '../src/core/rng.ts';
import type { AccountChange, TickMessage } from '../src/cluster/messages.ts';
import { bundledBtc } from './harness.ts';

/** `n` accounts (ids `acct-000001`, ...) of `k` positions each, seq 1. */
export function syntheticAccounts(n: number, k: number, seed = 7): AccountChange[] {
  const { chain } = bundledBtc();
  const rng = seededRng(seed);
  const out: AccountChange[] = [];
  for (let i = 1; i <= n; i++) {
    const used = new Set<string>();
    const positions: { instrument: string; size: number }[] = [];
    while (positions.length < k) {
      const inst = chain[Math.floor(rng.next() * chain.length)]!;
      if (used.has(inst.symbol)) continue;
      used.add(inst.symbol);
      const size = Math.round((0.1 + rng.next() * 2.9) * 10) / 10;
      positions.push({ instrument: inst.symbol, size: rng.next() < 0.5 ? -size : size });
    }
    const collateral = Math.round((0.6 + rng.next() * 2.4) * (k / 10) * 1000) / 1000;
    out.push({
      id: `acct-${String(i).padStart(6, '0')}`,
      seq: 1,
      account: { positions, balances: [{ currency: 'BTC', amount: collateral }] },
    });
  }
  return out;
}

/** `n` BTC ticks: a seeded walk of the index, each step ±2 %, kept within ±6 % of `base`. */
export function syntheticTicks(base: number, n: number, seed = 11): TickMessage[] {
  const rng = seededRng(seed);
  const out: TickMessage[] = [];
  let x = base;
  for (let t = 1; t <= n; t++) {
    x = Math.min(base * 1.06, Math.max(base * 0.94, x * (1 + (rng.next() - 0.5) * 0.04)));
    out.push({ tick: t, underlying: 'BTC', index: Math.round(x * 100) / 100 });
  }
  return out;
}

/** JSON lines of account changes (the `cluster publish --accounts` format). */
export function accountsJsonl(changes: readonly AccountChange[]): string {
  return changes
    .map((c) =>
      JSON.stringify(
        c.closed ? { id: c.id, seq: c.seq, closed: true } : { id: c.id, seq: c.seq, ...c.account },
      ),
    )
    .join('\n')
    .concat('\n');
}
