#!/usr/bin/env bash
# make bench-simulate: `simulate` on every trace in ../shared/data/traces with the default parameters (the same for
# every trace), as one markdown table; then the run time of `simulate` on a synthetic 90-day one-minute trace.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
traces="${BENCH_TRACES:-$root/../shared/data/traces}"
out="$root/.build/bench-simulate"
mkdir -p "$out"
echo "# bench-simulate: $(date -u +%Y-%m-%dT%H:%MZ), default parameters"
for csv in $(find "$traces" -name '*.csv' | sort); do
  name="$(basename "$csv" .csv)"
  "$root/metrics-adapter" simulate --trace "$csv" --json 2>"$out/$name.log" | tail -1 >"$out/$name.json"
done
python3 - "$out" <<'PY'
import json, os, sys
out = sys.argv[1]
rows = []
print("| trace | days | policy | SLO-violation min | p95 ms | replica-min | events | time to scale s | under-provisioned min | fallback min |")
print("|---|---|---|---|---|---|---|---|---|---|")
for name in sorted(f[:-5] for f in os.listdir(out) if f.endswith(".json")):
    r = json.load(open(os.path.join(out, name + ".json")))
    for policy, v in r["policies"].items():
        tts = "-" if v["timeToScaleSeconds"] is None else f'{v["timeToScaleSeconds"]:.0f}'
        print(f'| {name} | {r["days"]:.2f} | {policy} | {v["sloViolationMinutes"]:.1f} | {v["p95LatencyMs"]:.0f} | {v["replicaMinutes"]:.0f} | {v["scalingEvents"]} | {tts} | {v["underProvisionedMinutes"]:.1f} | {v.get("fallbackMinutes", "-")} |')
    p = r["policies"]
    better = min((p["reactive"], p["reactive-rps"]), key=lambda x: x["sloViolationMinutes"])
    def ratio(a, b): return "∞" if b == 0 and a > 0 else ("0/0" if b == 0 else f"{a / b:.0%}")
    rows.append((name, ratio(p["predictive"]["sloViolationMinutes"], better["sloViolationMinutes"]),
                 ratio(p["predictive"]["replicaMinutes"], better["replicaMinutes"]),
                 ratio(p["predictive"]["sloViolationMinutes"], p["oracle"]["sloViolationMinutes"])))
print()
print("| trace | predictive violations / better reactive (≤ 50%) | replica-minutes / better reactive (≤ 110%) | violations / oracle (≤ 120%) |")
print("|---|---|---|---|")
for name, v, c, o in rows:
    print(f"| {name} | {v} | {c} | {o} |")
PY
python3 - "$out/ninety-days.csv" <<'PY'
import math, sys, datetime
start = datetime.datetime(2026, 1, 1)
with open(sys.argv[1], "w") as f:
    f.write("timestamp,value\n")
    for minute in range(90 * 1440):
        day = 0.55 + 0.45 * math.sin(2 * math.pi * minute / 1440)
        surge = 3 if minute % 997 < 12 else 1
        f.write(f"{start + datetime.timedelta(minutes=minute):%Y-%m-%d %H:%M:%S},{round(1000 * day * surge * (1 + 0.05 * math.sin(minute * 1.3)))}\n")
PY
start=$(date +%s.%N)
"$root/metrics-adapter" simulate --trace "$out/ninety-days.csv" >/dev/null 2>&1
echo
echo "simulate on a synthetic 90-day one-minute trace (129,600 rows, all four policies): $(python3 -c "print(f'{$(date +%s.%N) - $start:.1f}')") s"
