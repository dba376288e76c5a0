#!/usr/bin/env bash
# make bench-decisions:
#  1. the decision manager alone on one core (CPU 0), no Kafka: ingestion (parse + validate + aggregate + every
#     tick with its model steps) of 1,000 services x 3 pods, after a warm-up, in $BENCH_ROUNDS rounds; then one
#     tick over 10,000 warm services (plain and with a model step), what it allocates, and memory per service.
#  2. observation-to-served-value delay through the embedded mock cluster: the real `serve --demo` (9 pods
#     publishing every 5 s) for $BENCH_DELAY_MINUTES minutes; the delay histogram of /metrics, from the publish
#     time of the oldest observation a served value includes to the value being served.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
rounds="${BENCH_ROUNDS:-5}"
minutes="${BENCH_DELAY_MINUTES:-4}"
out="$root/.build/bench-decisions"
mkdir -p "$out"

echo "# bench-decisions: $(nproc) cores, $(date -u +%Y-%m-%dT%H:%MZ)"
echo "## 1. in process, one core (taskset -c 0)"
dotnet build "$root/bench/MetricsAdapter.Bench.Decisions/MetricsAdapter.Bench.Decisions.csproj" -c Release -o "$out/bin" --nologo -v quiet >/dev/null
taskset -c 0 dotnet "$out/bin/MetricsAdapter.Bench.Decisions.dll" "$rounds"

echo "## 2. observation-to-served delay through the mock cluster ($minutes min of serve --demo)"
rm -rf "$out/state" "$out/certs"
port="${BENCH_PORT:-7444}"
"$root/metrics-adapter" certs generate --out-dir "$out/certs" --dns localhost --ip 127.0.0.1 --client-cn bench --client-group system:masters >/dev/null
"$root/metrics-adapter" serve --demo --listen "127.0.0.1:$port" --state-dir "$out/state" \
  --tls-cert-file "$out/certs/serving.crt" --tls-key-file "$out/certs/serving.key" --client-ca-file "$out/certs/ca.crt" >"$out/serve.log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null; wait $server 2>/dev/null || true' EXIT
sleep "$((minutes * 60))"
curl -sf --cacert "$out/certs/ca.crt" --cert "$out/certs/client.crt" --key "$out/certs/client.key" "https://127.0.0.1:$port/metrics" >"$out/metrics.txt"
python3 - "$out/metrics.txt" <<'PY'
import re, sys
buckets, count = [], 0
for line in open(sys.argv[1]):
    m = re.match(r'metrics_adapter_decisions_observation_delay_seconds_bucket\{le="([^"]+)"\} (\S+)', line)
    if m:
        buckets.append((float(m.group(1)), float(m.group(2))))
    m = re.match(r'metrics_adapter_decisions_observation_delay_seconds_count (\S+)', line)
    if m:
        count = float(m.group(1))
if not count:
    sys.exit("no delay samples: did the pipeline run?")
def quantile(q):
    rank, previous_bound, previous_count = q * count, 0.0, 0.0
    for bound, cumulative in buckets:
        if cumulative >= rank:
            if bound == float("inf"):
                return f"> {previous_bound:g} s"
            share = (rank - previous_count) / (cumulative - previous_count) if cumulative > previous_count else 1
            return f"{previous_bound + (bound - previous_bound) * share:.2f} s (bucket {previous_bound:g}-{bound:g} s)"
        previous_bound, previous_count = bound, cumulative
within = next((c for b, c in buckets if b == 16), 0)
print(f"delay samples (one per served service per tick): {count:.0f}")
print(f"p50 {quantile(0.5)}; p99 {quantile(0.99)}; within one tick + 1 s (16 s): {100 * within / count:.1f}%")
PY
