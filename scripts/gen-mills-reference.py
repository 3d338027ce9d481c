"""Reference values of the Mills ratio R(z) = Phi(-z)/phi(z) from mpmath at 50 digits, on a
dense sweep of Cody's tail rational's range (0.66291 < z <= 5.657) and beyond it.

Run: python3 scripts/gen-mills-reference.py > test/fixtures/normal/mills-mpmath.json
The output is deterministic. mpmath is an independent arbitrary-precision library.
"""
import json
import mpmath as mp

mp.mp.dps = 50
zs = [0.6629 + (5.66 - 0.6629) * i / 4000 for i in range(4001)] + [6.0, 8.0, 12.0, 20.0, 37.5]
cases = [{"z": z, "R": float(mp.ncdf(-mp.mpf(z)) / mp.npdf(mp.mpf(z)))} for z in zs]
print(json.dumps({"generator": "scripts/gen-mills-reference.py, mpmath " + mp.__version__ + ", 50 digits", "cases": cases}))
