/**
 * The health state of an account with several pools in the batch engine: the most severe
 * pool state (account/health.ts: each segregated pool is liquidated on its own), never the
 * state of the USD totals, where one pool's surplus would hide another's shortfall.
 */
import { describe, expect, it } from 'vitest';
import { bundledBtc } from '../../bench/harness.ts';
import { accountHealth } from '../../src/account/health.ts';
import { runLocal } from '../../src/cluster/local-run.ts';
import { baseMarket, holdAccount, marginAccount } from '../../src/cluster/marginer.ts';
import type { AccountChange } from '../../src/cluster/messages.ts';
import { marginModel } from '../../src/margin/registry.ts';

const { snapshot } = bundledBtc();
const model = marginModel('deribit-pm');
const setup = { model, params: model.defaultParams };

describe('the health state of an account with two pools', () => {
  it('is the most severe pool state, not the state of the USD totals', () => {
    // A short BTC put with no BTC collateral: the BTC pool is below maintenance; the USDC pool
    // holds far more than the whole account needs in USD.
    const hidden: AccountChange = {
      id: 'hidden',
      seq: 1,
      account: {
        positions: [
          { instrument: 'BTC_USDC-PERPETUAL', size: 0.01 },
          { instrument: 'BTC-28AUG26-110000-P', size: -5 },
        ],
        balances: [{ currency: 'USDC', amount: 5_000_000 }],
      },
    };
    const held = holdAccount(hidden.id, hidden.seq, hidden.account!, snapshot);
    if (held.portfolio instanceof Error) throw held.portfolio;
    const health = accountHealth(model.evaluate(held.portfolio, snapshot, setup.params), snapshot);
    expect(health.pools.length).toBe(2);
    expect(health.equityUsd).toBeGreaterThan(health.maintenanceMarginUsd); // USD totals healthy
    expect(health.state).toBe('liquidation');
    // The batch engine (engine partition of `engine run` and the cluster) and the per-account path.
    const [engine] = runLocal(snapshot, setup, [hidden], []).results;
    expect(engine!.state).toBe(health.state);
    expect(marginAccount(held, baseMarket(snapshot), setup).result.state).toBe(health.state);
  });
});
