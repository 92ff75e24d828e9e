"""The seed's seven policies matched with pandas on the facts `weiyuan bench policies --export`
wrote (docs/benchmarks.md): the same criteria, the same 'nearly' rule (one condition missed,
a figure within 20 %, years within one), timed; prints the counts to compare with Weiyuan's.
usage: python3 scripts/bench_policies.py FACTS.parquet TODAY(YYYY-MM-DD)"""
import sys
import time

import numpy as np
import pandas as pd

path, today = sys.argv[1], sys.argv[2]
t0 = time.perf_counter()
df = pd.read_parquet(path)
t1 = time.perf_counter()

has_year = pd.to_numeric(df["months"], errors="coerce").fillna(0) > 0
num = lambda c: pd.to_numeric(df[c], errors="coerce")
profit, employees, rnd = num("profit"), num("employees"), num("rnd")
revenue, prior = num("revenue"), num("prior_revenue")
ty, tm, td = (int(x) for x in today.split("-"))
entry = df["entry_date"].fillna("").astype(str)
has_entry = entry.str.len() == 10
ey = pd.to_numeric(entry.str[0:4], errors="coerce")
em = pd.to_numeric(entry.str[5:7], errors="coerce")
ed = pd.to_numeric(entry.str[8:10], errors="coerce")
years = ty - ey - ((tm < em) | ((tm == em) & (td < ed))).astype(int)
tags = df["tags"].fillna("").astype(str)
cls = df["class"].fillna("").astype(str)


def figure(v, lo=None, hi=None):
    ok, close = has_year.copy(), has_year.copy()
    if lo is not None:
        ok &= v >= lo
        close &= v * 100 >= lo * 80
    if hi is not None:
        ok &= v <= hi
        close &= v * 100 <= hi * 120
    return ok, close


def years_max(m):
    return has_entry & (years <= m), has_entry & (years <= m + 1)


def standing(checks):
    oks = np.column_stack([c[0].to_numpy() for c in checks])
    close = np.column_stack([c[1].to_numpy() & ~c[0].to_numpy() for c in checks])
    failed = (~oks).sum(axis=1)
    return int((failed == 0).sum()), int(((failed == 1) & close.any(axis=1)).sum())


never = pd.Series(False, index=df.index)
prior_below = prior.isna() | (prior < 2000)
policies = [
    ("小型微利企业所得税优惠", [figure(profit, 0.01, 300), figure(employees, None, 300)]),
    ("研发费用加计扣除", [figure(rnd, 1, None)]),
    ("新入园企业租金补贴", [years_max(1)]),
    ("小升规奖励", [((df["size"] == "above") & has_year & (revenue >= 2000) & prior_below,
                  prior_below & (revenue.fillna(0) * 100 >= 2000 * 80))]),
    ("新注册入园企业地方财政贡献奖励", [years_max(2)]),
    ("小微企业服务券和创新券", [(tags.str.split(";").apply(lambda t: "tech_based" in t), never)]),
    ("入园同步技改补助", [(cls.isin(["A", "B"]), never)]),
]
counts = [(name, *standing(checks)) for name, checks in policies]
t2 = time.perf_counter()
print(f"pandas: {len(df)} enterprises × {len(policies)} policies; read parquet {(t1 - t0) * 1000:.0f} ms, "
      f"matched {(t2 - t1) * 1000:.0f} ms")
for name, q, n in counts:
    print(f"  {name}: qualifies {q}, nearly {n}")
