#!/usr/bin/env bash
# make bench-api: metric queries against an empty endpoint of the same server, in one run, as ratios.
# The server is pinned to CPU 0 and the load tools to CPU 1 so they do not fight over a core.
#  1. throughput: wrk, 2 threads, 64 connections, after a 10 s warm-up of every target; targets are measured in
#     two alternating rounds of $BENCH_DURATION each and averaged, so drift affects them alike.
#  2. latency at 1,000 requests/s: hey, 20 workers x 50 req/s for 20 s; p50/p99 from its histogram.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
out="$root/.build/bench-api"
port="${BENCH_PORT:-7443}"
series="${BENCH_SERIES:-10000}"
duration="${BENCH_DURATION:-15s}"

dotnet build "$root/bench/MetricsAdapter.Bench.Api/MetricsAdapter.Bench.Api.csproj" -c Release -o "$out/bin" --nologo -v quiet >/dev/null
"$root/metrics-adapter" certs generate --out-dir "$out/certs" --dns localhost --ip 127.0.0.1 >/dev/null

taskset -c 0 dotnet "$out/bin/MetricsAdapter.Bench.Api.dll" "127.0.0.1:$port" "$series" "$out/certs/serving.crt" "$out/certs/serving.key" &
server=$!
trap 'kill $server 2>/dev/null; wait $server 2>/dev/null || true' EXIT
for _ in $(seq 1 100); do
  curl -skf "https://127.0.0.1:$port/readyz" >/dev/null 2>&1 && break
  sleep 0.2
done

base="https://127.0.0.1:$port"
declare -A targets=(
  [empty]="$base/bench/empty"
  [metric_equality]="$base/apis/external.metrics.k8s.io/v1beta1/namespaces/ns-7/predicted_load?labelSelector=service%3Dsvc-42"
  [metric_hpa_selector]="$base/apis/external.metrics.k8s.io/v1beta1/namespaces/ns-7/predicted_load?labelSelector=region+in+%28eu%2Cus%29%2Cservice%3Dsvc-42%2Ctier%3Dweb"
)
order=(empty metric_equality metric_hpa_selector)

echo "# bench-api: $series series, $(nproc) cores, server on CPU 0, load on CPU 1, $(date -u +%Y-%m-%dT%H:%MZ)"
for name in "${order[@]}"; do
  curl -skf "${targets[$name]}" -o /dev/null || { echo "target $name failed" >&2; exit 1; }
  taskset -c 1 wrk -t2 -c64 -d10s "${targets[$name]}" >/dev/null
done

declare -A rps
for round in 1 2; do
  for name in "${order[@]}"; do
    measured=$(taskset -c 1 wrk -t2 -c64 -d"$duration" "${targets[$name]}" | awk '/Requests\/sec/ {print $2}')
    rps[$name]=$(awk -v a="${rps[$name]:-0}" -v b="$measured" -v r="$round" 'BEGIN {printf "%.0f", (a*(r-1)+b)/r}')
  done
done

declare -A p50 p99 achieved
for name in "${order[@]}"; do
  report=$(taskset -c 1 hey -z "$duration" -c 20 -q 50 "${targets[$name]}")
  p50[$name]=$(awk '/ 50% in / {print $3*1000}' <<<"$report")
  p99[$name]=$(awk '/ 99% in / {print $3*1000}' <<<"$report")
  achieved[$name]=$(awk '/Requests\/sec/ {print $2}' <<<"$report")
  codes=$(awk '/Status code distribution/ {f=1; next} f && /\[/ {print $1 $2}' <<<"$report" | tr '\n' ' ')
  [[ "$codes" == "[200]"* && "$codes" != *" ["* ]] || { echo "non-200 answers for $name: $codes" >&2; exit 1; }
done

printf "\n| target | wrk req/s | ratio to empty | hey req/s (1000 asked) | p50 ms | p99 ms |\n|---|---|---|---|---|---|\n"
for name in "${order[@]}"; do
  ratio=$(awk -v a="${rps[$name]}" -v b="${rps[empty]}" 'BEGIN {printf "%.1f%%", 100*a/b}')
  printf "| %s | %s | %s | %s | %s | %s |\n" "$name" "${rps[$name]}" "$ratio" "${achieved[$name]}" "${p50[$name]}" "${p99[$name]}"
done
