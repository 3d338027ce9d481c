# Copied unchanged (apart from this note) from ../shared/peers/numpy_grid_margin.py, the
# project's performance peer for issue 8; run by bench/engine.bench.ts when python3 + numpy
# (+ scipy) are present.
"""Peer for performance: what a quant would write instead of Ballast for batch grid margin.

Vectorized numpy/scipy: price a whole inverse-option chain on a Deribit-style grid
(9 price moves x 3 vol states + 8 extended, vol-up), build the instrument x scenario
P&L matrix, then margin N accounts (sparse positions) as CSR @ dense, with gain offset
and worst case. Prints timings. Used as the side-by-side baseline for Ballast's batch
engine (same sizes, same machine, one run).
"""
import sys, time
import numpy as np
from scipy.special import ndtr
import scipy.sparse as sp

def black76(F, K, T, sig, is_call):
    sT = sig * np.sqrt(T)
    d1 = (np.log(F / K) + 0.5 * sT * sT) / sT
    d2 = d1 - sT
    c = F * ndtr(d1) - K * ndtr(d2)
    return np.where(is_call, c, c - (F - K))

def main(n_accounts=1_000_000, pos_per_account=10, n_instr=900, seed=7):
    rng = np.random.default_rng(seed)
    S0 = 60000.0
    T = rng.choice([1, 2, 7, 14, 30, 60, 90, 180, 270, 365], n_instr) / 365.0
    K = S0 * np.exp(rng.normal(0, 0.25, n_instr))
    iv = 0.45 + 0.2 * np.abs(np.log(K / S0))
    is_call = rng.random(n_instr) < 0.5
    F = S0 * np.exp(0.05 * T)
    r = 0.16; n = 4
    moves = np.array([-r + k * r / n for k in range(2 * n + 1)])
    ext = np.array([-0.66, -0.33, 0.5, 1, 2, 3, 4, 5])
    dte = np.maximum(T * 365, 1.0)
    power = np.where(dte < 30, 0.3, 0.13)
    g = (30.0 / dte) ** power
    vol_up = np.maximum(iv * (1 + 0.5 * g), 0.5); vol_dn = np.maximum(iv * (1 - 0.25 * g), 0.0) + 1e-9
    t0 = time.perf_counter()
    base = black76(F, K, T, iv, is_call) / F                                   # coin price
    cols = []
    for m in moves:
        for v in (vol_up, iv, vol_dn):
            F1 = F * (1 + m)
            cols.append(black76(F1, K, T, v, is_call) / F1 - base)
    for m in ext:
        F1 = F * (1 + m); s = np.sign(m)
        w = r / abs(m) * (1 + m) / (1 + s * r)
        cols.append((black76(F1, K, T, vol_up, is_call) / F1 - base) * w)
    P = np.ascontiguousarray(np.stack(cols, axis=1))                          # n_instr x 35
    t1 = time.perf_counter()
    rows = np.repeat(np.arange(n_accounts), pos_per_account)
    cidx = rng.integers(0, n_instr, n_accounts * pos_per_account)
    q = rng.normal(0, 1, n_accounts * pos_per_account)
    Q = sp.csr_matrix((q, (rows, cidx)), shape=(n_accounts, n_instr))
    Q.sum_duplicates()
    t2 = time.perf_counter()
    pnl = Q @ P                                                               # n_accounts x 35
    agg = np.where(pnl < 0, pnl, 0.0 * pnl)                                   # pnl_offset 0
    worst = np.maximum(0.0, -agg.min(axis=1))
    roll = np.asarray(abs(Q) @ np.full(n_instr, 0.01)).ravel()
    im = worst + roll
    t3 = time.perf_counter()
    print(f"matrix {n_instr}x{P.shape[1]}: {1e3*(t1-t0):.1f} ms; positions build {1e3*(t2-t1):.0f} ms; "
          f"margin {n_accounts} accounts x {pos_per_account} positions: {1e3*(t3-t2):.0f} ms "
          f"= {n_accounts/(t3-t2)/1e6:.2f} M accounts/s; checksum {im.sum():.6f}")

if __name__ == "__main__":
    main(*(int(a) for a in sys.argv[1:]))
