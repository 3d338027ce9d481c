"""Reference values for Φ(x), φ(x) and Φ⁻¹(p) from mpmath at 50 digits.

Run: python3 scripts/gen-normal-reference.py > test/fixtures/normal/normal-mpmath.json
The output is deterministic. mpmath is an independent arbitrary-precision library.
"""
import json
import mpmath as mp

mp.mp.dps = 50
xs = sorted(set([i / 8 for i in range(-300, 81)] + [-37.5, -37.0, -35.0, -30.0, -25.0, -20.0, -15.0,
          -12.5, -0.66291, 0.66291, -5.656854248, 5.656854248, 1e-10, -1e-10, 0.0, 8.2, 9.0]))
cases = []
for x in xs:
    xm = mp.mpf(x)
    cases.append({"x": x, "cdf": float(mp.ncdf(xm)), "pdf": float(mp.npdf(xm))})
ps = [10.0 ** -k for k in range(1, 301, 7)] + [0.01, 0.025, 0.02425, 0.1, 0.25, 0.5, 0.75, 0.9, 0.975, 0.99, 0.999999]
inv = []
for p in ps:
    pm = mp.mpf(p)
    # Solve log Φ(z) = log p (well scaled in the far tail), bracketed by bisection.
    lo, hi = mp.mpf(-40), mp.mpf(40)
    for _ in range(400):
        mid = (lo + hi) / 2
        if mp.log(mp.ncdf(mid)) < mp.log(pm):
            lo = mid
        else:
            hi = mid
    q = (lo + hi) / 2
    inv.append({"p": p, "x": float(q)})
print(json.dumps({"generator": "mpmath %s, 50 digits" % mp.__version__, "cdf": cases, "inv": inv}, indent=0))
