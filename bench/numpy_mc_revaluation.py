"""Baseline for Monte Carlo full revaluation (bench/engine.bench.ts): a vectorized numpy
equivalent of Ballast's buildPnlMatrix on Monte Carlo scenarios.

n_instr inverse options (strikes, expiries and vols drawn like numpy_grid_margin.py) are
revalued with Black-76 on n_scen scenarios of a Student-t (nu = 4) one-day spot move with a
vol that moves against spot, in coin: P[i, s] = V1/F1 - V0/F0. Prints one line with the time.
Written for Ballast (not copied); same machine, same run as the TypeScript timing.
"""
import sys, time
import numpy as np
from scipy.special import ndtr


def black76(F, K, T, sig, is_call):
    sT = sig * np.sqrt(T)
    d1 = (np.log(F / K) + 0.5 * sT * sT) / sT
    d2 = d1 - sT
    c = F * ndtr(d1) - K * ndtr(d2)
    return np.where(is_call, c, c - (F - K))


def main(n_instr=881, n_scen=10_000, seed=7):
    rng = np.random.default_rng(seed)
    S0 = 60000.0
    T = rng.choice([1, 2, 7, 14, 30, 60, 90, 180, 270, 365], n_instr) / 365.0
    K = S0 * np.exp(rng.normal(0, 0.25, n_instr))
    iv = 0.45 + 0.2 * np.abs(np.log(K / S0))
    is_call = rng.random(n_instr) < 0.5
    F = S0 * np.exp(0.05 * T)
    z = rng.standard_t(4, n_scen) * 0.03
    mult = np.exp(z)
    dvol = -0.5 * z
    t0 = time.perf_counter()
    base = black76(F, K, T, iv, is_call) / F
    F1 = F[:, None] * mult[None, :]
    vol1 = np.maximum(iv[:, None] * (1 + dvol[None, :]), 0.01)
    P = black76(F1, K[:, None], T[:, None], vol1, is_call[:, None]) / F1 - base[:, None]
    t1 = time.perf_counter()
    print(f"mc revaluation {n_instr}x{n_scen} (spot and vol move per path): {1e3*(t1-t0):.1f} ms; checksum {P.sum():.6f}")


if __name__ == "__main__":
    main(*(int(a) for a in sys.argv[1:]))
