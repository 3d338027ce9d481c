/**
 * The compact what-if answer (`detail: "summary"`, for interactive use such as the dashboard's
 * what-if panel): the USD totals and per-trade rows of `whatIfUseCase`, and per pool the
 * before / after / change of equity, IM, MM and utilization with the hypothesis reading that
 * set IM and MM, the inputs hash and the unverified notes, plus the `simulate_portfolio`
 * fields. No `details`, contributions, add-ons or hypothesis tables: it never reads an
 * after-trade result's `details`, so a prepared book's what-if (margin/deribit-pm/
 * prepared-book.ts) does not build that report. Every number is the full answer's own field
 * (test/server/whatif-summary.test.ts compares the two answers of one request).
 */
import type { MarginResult } from '../margin/margin-result.ts';
import { simulatePortfolioFields, type WhatIfOutput, type WhatIfTradeRow } from './what-if.ts';

/** One pool on one side of the trades (amounts in the pool's currency; utilization = IM/equity). */
export interface WhatIfPoolSide {
  readonly equity: number;
  readonly initialMargin: number;
  readonly maintenanceMargin: number;
  readonly utilization: number;
  /** The hypothesis readings that set IM and MM (`MarginResult.hypothesisCharge`); null with one reading. */
  readonly hypothesisCharge: MarginResult['hypothesisCharge'] | null;
  readonly inputsHash: string;
  readonly unverified: readonly string[];
}

/** A pool before and after the trades; `change` = after − before (a missing side counts 0). */
export interface WhatIfPoolSummary {
  readonly currency: string;
  readonly before: WhatIfPoolSide | null;
  readonly after: WhatIfPoolSide | null;
  readonly change: {
    readonly equity: number;
    readonly initialMargin: number;
    readonly maintenanceMargin: number;
    readonly utilization: number;
  };
}

/** The summary answer (see module doc). */
export interface WhatIfSummary {
  readonly model: string;
  readonly detail: 'summary';
  readonly beforeUsd: WhatIfOutput['beforeUsd'];
  readonly afterUsd: WhatIfOutput['afterUsd'];
  readonly trades: readonly WhatIfTradeRow[];
  readonly pools: readonly WhatIfPoolSummary[];
  readonly warnings: readonly string[];
  readonly simulate_portfolio: ReturnType<typeof simulatePortfolioFields>;
}

/** The fields of one result the summary keeps (never `details`). */
function side(r: MarginResult | undefined): WhatIfPoolSide | null {
  if (r === undefined) return null;
  return {
    equity: r.equity,
    initialMargin: r.initialMargin,
    maintenanceMargin: r.maintenanceMargin,
    utilization: r.utilization,
    hypothesisCharge: r.hypothesisCharge ?? null,
    inputsHash: r.inputsHash,
    unverified: r.unverified,
  };
}

/** The summary of a what-if (see module doc); pools in currency order. */
export function whatIfSummary(out: WhatIfOutput, warnings: readonly string[]): WhatIfSummary {
  const currencies = [...new Set([...out.before, ...out.after].map((r) => r.currency))].sort();
  const pools = currencies.map((currency): WhatIfPoolSummary => {
    const before = side(out.before.find((r) => r.currency === currency));
    const after = side(out.after.find((r) => r.currency === currency));
    const d = (k: 'equity' | 'initialMargin' | 'maintenanceMargin' | 'utilization'): number =>
      (after?.[k] ?? 0) - (before?.[k] ?? 0);
    return {
      currency,
      before,
      after,
      change: {
        equity: d('equity'),
        initialMargin: d('initialMargin'),
        maintenanceMargin: d('maintenanceMargin'),
        utilization: d('utilization'),
      },
    };
  });
  return {
    model: out.model,
    detail: 'summary',
    beforeUsd: out.beforeUsd,
    afterUsd: out.afterUsd,
    trades: out.trades,
    pools,
    warnings,
    simulate_portfolio: simulatePortfolioFields(out),
  };
}
