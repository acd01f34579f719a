#!/usr/bin/env python3
"""Independent reference values for test/analysis/trend-stats.test.ts.

Computed with scipy (1.17.1) and numpy (2.4.6), NOT with the TypeScript code:
  * Mann-Kendall S / Var(S): scipy.stats.kendalltau(index, v, method='asymptotic') gives tau-b and a
    p-value without continuity correction; S = tau_b * sqrt(n0 (n0 - n2)) and z = S / sqrt(Var S).
  * Sen's slope and its interval: scipy.stats.theilslopes(v, t, 0.95) (Sen 1968).
  * Hamed & Rao (1998) n/n*: eq. 18 of the paper written with numpy (ranks of the Sen-detrended
    series over the index, lags with |r_k| > 1.96/sqrt(n)); no floor at 1 (the engine floors it).
  * OLS + Newey-West: the full sandwich (X'X)^-1 S (X'X)^-1 with Bartlett weights, written here
    with numpy matrices (Newey & West 1987), no small-sample factor.
Run: python3 bench/trend/reference.py
"""
import json
import numpy as np
from scipy import stats

def series_a():
    # irregular times, noisy trend with ties
    t = np.array([0, 1.5, 2, 3.7, 5, 6.1, 8, 9.2, 10, 12, 13.5, 15, 15.5, 17, 19], dtype=float)
    v = np.array([3, 4, 4, 6, 5, 8, 7, 9, 9, 12, 10, 13, 13, 15, 14], dtype=float)
    return t, v

def series_b():
    rng = np.random.default_rng(20261122)
    n = 120
    t = np.arange(n, dtype=float) * 10.0
    e = np.zeros(n)
    for i in range(1, n):
        e[i] = 0.6 * e[i - 1] + rng.normal()
    v = 50 + 0.02 * t + 3 * e
    return t, np.round(v, 3)

def mk(v):
    n = len(v)
    tau, p = stats.kendalltau(np.arange(n), v, method='asymptotic')
    # tau-b = S / sqrt(n0 (n0 - n2)), n0 = n(n-1)/2, n2 = sum of v tie pairs
    _, counts = np.unique(v, return_counts=True)
    n0 = n * (n - 1) / 2
    n2 = np.sum(counts * (counts - 1) / 2)
    s = tau * np.sqrt(n0 * (n0 - n2))
    var = (n * (n - 1) * (2 * n + 5) - np.sum(counts * (counts - 1) * (2 * counts + 5))) / 18
    z = stats.norm.isf(p / 2) * np.sign(s)
    return {'s': round(float(s)), 'varS': float(var), 'zNoCC': float(z), 'pNoCC': float(p), 'check_z': float(s / np.sqrt(var))}

def hamed_rao(v):
    n = len(v)
    idx = np.arange(n, dtype=float)
    slope = stats.theilslopes(v, idx, 0.95).slope
    r = stats.rankdata(v - slope * idx)
    y = r - r.mean()
    acov = np.correlate(y, y, 'full')[n - 1:] / n
    acf = acov / acov[0]
    bound = stats.norm.ppf(0.975) / np.sqrt(n)
    k = np.arange(1, n - 2)
    sig = np.abs(acf[k]) > bound
    ratio = 1 + 2 / (n * (n - 1) * (n - 2)) * np.sum(((n - k) * (n - k - 1) * (n - k - 2) * acf[k])[sig])
    return {'ratio': float(ratio), 'detrendSlope': float(slope)}

def sen(t, v):
    r = stats.theilslopes(v, t, 0.95)
    return {'slope': float(r.slope), 'intercept': float(r.intercept), 'lower': float(r.low_slope), 'upper': float(r.high_slope)}

def newey_west(t, v, lag):
    n = len(t)
    X = np.column_stack([np.ones(n), t])
    beta, *_ = np.linalg.lstsq(X, v, rcond=None)
    e = v - X @ beta
    XtXi = np.linalg.inv(X.T @ X)
    S = np.zeros((2, 2))
    for i in range(n):
        S += e[i] ** 2 * np.outer(X[i], X[i])
    for l in range(1, lag + 1):
        w = 1 - l / (lag + 1)
        G = np.zeros((2, 2))
        for i in range(l, n):
            G += e[i] * e[i - l] * np.outer(X[i], X[i - l])
        S += w * (G + G.T)
    V = XtXi @ S @ XtXi
    return {'slope': float(beta[1]), 'intercept': float(beta[0]), 'se': float(np.sqrt(V[1, 1])), 'lag': lag}

out = {}
for name, (t, v) in {'a': series_a(), 'b': series_b()}.items():
    lag = int(np.floor(4 * (len(t) / 100) ** (2 / 9)))
    out[name] = {'t': t.tolist(), 'v': v.tolist(), 'mk': mk(v), 'hamedRao': hamed_rao(v), 'sen': sen(t, v), 'nw': newey_west(t, v, lag)}
print(json.dumps(out, indent=1))
