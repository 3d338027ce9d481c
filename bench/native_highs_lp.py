"""Native HiGHS baseline for the CVaR LP of bench/optimize.bench.ts.

The TypeScript bench writes the LP it solves with HiGHS-WASM (5,000 scenarios x 200
candidates, Rockafellar-Uryasev form, seeded scenarios) to a directory as raw little-endian
arrays (lp.json: sizes and offset; colLower/colUpper/colCost/rowLower/rowUpper float64,
starts/indices int32 row-wise CSR, values float64). This script rebuilds it for
scipy.optimize.linprog (scipy's bundled native HiGHS) and times each method, solve only
(the conversion to linprog's A_ub/A_eq form is outside the timer). Best of `rounds`.

Usage: python3 native_highs_lp.py <dir> [rounds]
Prints one line per method: `native <method>: <ms> ms objective <value> status <n>`.
"""

import json
import sys
import time

import numpy as np
from scipy.optimize import linprog
from scipy.sparse import csr_matrix, vstack


def load(d):
    meta = json.load(open(f"{d}/lp.json"))
    f = lambda n: np.fromfile(f"{d}/{n}.bin", dtype="<f8")
    i = lambda n: np.fromfile(f"{d}/{n}.bin", dtype="<i4")
    a = csr_matrix((f("values"), i("indices"), i("starts")), shape=(meta["rows"], meta["cols"]))
    return meta, f("colLower"), f("colUpper"), f("colCost"), f("rowLower"), f("rowUpper"), a


def linprog_form(lo, hi, a):
    """Row bounds lo <= A x <= hi as A_ub x <= b_ub and A_eq x = b_eq."""
    eq = np.isfinite(lo) & np.isfinite(hi) & (lo == hi)
    up = np.isfinite(hi) & ~eq
    dn = np.isfinite(lo) & ~eq
    a_ub = vstack([a[up], -a[dn]]).tocsr()
    b_ub = np.concatenate([hi[up], -lo[dn]])
    return a_ub, b_ub, a[eq], lo[eq]


def main():
    d = sys.argv[1]
    rounds = int(sys.argv[2]) if len(sys.argv) > 2 else 1
    meta, cl, cu, c, rl, ru, a = load(d)
    a_ub, b_ub, a_eq, b_eq = linprog_form(rl, ru, a)
    bounds = np.column_stack([np.where(np.isfinite(cl), cl, -np.inf), np.where(np.isfinite(cu), cu, np.inf)])
    print(f"LP {meta['cols']} cols x {meta['rows']} rows, {a.nnz} nnz")
    for method in ("highs", "highs-ds", "highs-ipm"):
        best = float("inf")
        res = None
        for _ in range(rounds):
            t0 = time.perf_counter()
            res = linprog(c, A_ub=a_ub, b_ub=b_ub, A_eq=a_eq if a_eq.shape[0] else None,
                          b_eq=b_eq if a_eq.shape[0] else None, bounds=bounds, method=method)
            best = min(best, (time.perf_counter() - t0) * 1000)
        obj = res.fun + meta["offset"] if res.status == 0 else float("nan")
        print(f"native {method}: {best:.1f} ms objective {obj:.6f} status {res.status}")


if __name__ == "__main__":
    main()
