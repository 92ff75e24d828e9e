"""The reference for `weiyuan bench operation`: the same day's statuses computed with pandas from
the same day rollups, read from the same PostgreSQL database (docs/benchmarks.md).

usage: python3 scripts/bench_operation.py DBURL DAY   (DAY: YYYY-MM-DD, the day Weiyuan checked)

The rules are Weiyuan's defaults: a meter's day is its last reading less the day before's last
(or its first reading, when there is no day before; nothing when it did not move); an
enterprise's use is the sum over its meters; its baseline is the mean use of the same weekday
1-4 weeks before (of the same kind of day: the window holds no public holiday); under 5 % of
the baseline is stopped, under 30 % reduced; without a baseline, any use is running.
"""

import io
import subprocess
import sys
import time
from datetime import date

import pandas as pd

db, day_text = sys.argv[1], sys.argv[2]
day = (date.fromisoformat(day_text) - date(1970, 1, 1)).days
start = (day - 29) * 86_400_000 - 28_800_000

t0 = time.perf_counter()
sql = (
    "COPY (SELECT d.enterprise_id, r.device_id, r.start_ts, r.vmin, r.vlast FROM reading_rollups r "
    "JOIN devices d ON d.id = r.device_id WHERE d.kind = 'electricity_meter' AND d.active = 1 "
    "AND d.enterprise_id IS NOT NULL AND r.bucket = '1d' AND r.metric = 'energy_kwh' "
    f"AND r.start_ts >= {start}) TO STDOUT WITH CSV HEADER"
)
raw = subprocess.run(["psql", db, "-Atqc", sql], capture_output=True, check=True).stdout
df = pd.read_csv(io.BytesIO(raw))
t1 = time.perf_counter()

df["day"] = (df.start_ts + 28_800_000) // 86_400_000
df = df.sort_values(["device_id", "day"])
g = df.groupby("device_id")
prev_last = g.vlast.shift(1)
adjacent = g.day.shift(1) == df.day - 1
df["use"] = (df.vlast - prev_last.where(adjacent, df.vmin)).clip(lower=0)
df.loc[~adjacent & (df.vlast <= df.vmin), "use"] = float("nan")
per = df.groupby(["enterprise_id", "day"]).use.sum(min_count=1).reset_index()

weekend = lambda d: (d + 3) % 7 >= 5
base_days = [d for d in (day - 7 * k for k in range(1, 5)) if weekend(d) == weekend(day)]
baseline = per[per.day.isin(base_days)].groupby("enterprise_id").use.mean()
today = per[per.day == day].set_index("enterprise_id").use
b = baseline.reindex(today.index)
share = today / b * 100
status = pd.Series("running", index=today.index)
status[share < 30] = "reduced"
status[share < 5] = "stopped"
no_base = b.isna() | (b <= 0)
status[no_base & (today > 0)] = "running"
status[no_base & ~(today > 0)] = "stopped"
status[today.isna()] = "no_meter"
t2 = time.perf_counter()

counts = status.value_counts()
print(f"pandas: {len(df)} rollups read in {(t1 - t0) * 1000:.0f} ms, statuses in {(t2 - t1) * 1000:.0f} ms, "
      f"total {(t2 - t0) * 1000:.0f} ms")
print("statuses: " + " ".join(f"{s} {int(counts.get(s, 0))}" for s in ["running", "reduced", "stopped", "no_meter"]))
