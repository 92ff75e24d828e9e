"""The per-mu evaluation with pandas, from a Parquet file of the same yearly figures that
`weiyuan bench evaluate --export` wrote (converted to Parquet beforehand, not timed), by the
default method's 规下 and 规上 formulas: scope, county benchmarks, capped points, the sublet
deduction, ranks with shared ties, classes by rank share. Times reading the file and computing,
and prints the class counts so that the script can compare them with Weiyuan's.

usage: python3 scripts/bench_evaluate.py FIGURES.parquet
"""
import sys
import time

import numpy as np
import pandas as pd

GROUPS = {
    "above": (
        [("tax_per_mu", "tax", "land_mu", 30), ("value_added_per_mu", "value_added", "land_mu", 20),
         ("value_added_per_energy", "value_added", "energy", 20),
         ("value_added_per_emission", "value_added", "emissions", 10),
         ("labour_productivity", "value_added", "employees", 10), ("rnd_share", "rnd100", "revenue", 10)],
        [20, 60, 15, 5],
    ),
    "below": (
        [("tax_per_mu", "tax", "land_mu", 40), ("revenue_per_mu", "revenue", "land_mu", 30),
         ("revenue_per_kwh", "revenue10k", "electricity", 30)],
        [5, 70, 20, 5],
    ),
}
CAP = 2.0
SUBLET = 2.0


def evaluate(path):
    df = pd.read_parquet(path)
    df["rnd100"] = df["rnd"] * 100.0
    df["revenue10k"] = df["revenue"] * 10_000.0
    counts = {}
    for group, (indicators, shares) in GROUPS.items():
        g = df[(df.grp == group) & (df.active == 1) & (df.months >= 12) & (df.revenue > 0) & df.land_mu.notna()]
        for _, _, den, _ in indicators:
            g = g[g[den] > 0]
        score = np.zeros(len(g))
        for _, num, den, weight in indicators:
            value = g[num] / g[den]
            bench = g[num].sum() / g[den].sum()
            points = (weight * value / bench).clip(lower=0, upper=CAP * weight) if bench > 0 else 0 * value
            score = score + points.to_numpy()
        score = np.round(score - SUBLET * g["sublets"].to_numpy(), 2)
        g = g.assign(score=score)
        g = g.assign(rank=g["score"].rank(method="min", ascending=False).astype(int))
        n = len(g)
        cumulative = np.cumsum(np.array(shares) * 100)
        rank = g["rank"].to_numpy() * 10_000
        cls = np.select([rank <= n * c for c in cumulative[:3]], ["A", "B", "C"], default="D")
        for c in "ABCD":
            k = int((cls == c).sum())
            if k:
                counts[f"{group}:{c}"] = k
    return counts


def main():
    path = sys.argv[1]
    for run in (1, 2, 3):
        t = time.perf_counter()
        counts = evaluate(path)
        print(f"pandas run {run}: {(time.perf_counter() - t) * 1000:.0f} ms (read and evaluate); classes {counts}")


if __name__ == "__main__":
    main()
