#!/usr/bin/env bash
# make bench-api: metric queries against an empty endpoint of the same server, in one run, as ratios.
#  1. throughput: wrk, 2 threads, 64 connections, after warming every target until steady (wrk_warm); four alternating rounds of
#     $BENCH_DURATION per target, the median of each (bench_compare), so drift and odd slow rounds affect all alike.
#  2. latency at 1,000 requests/s: hey, 20 workers x 50 req/s for $BENCH_DURATION; p50/p99 from its histogram.
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"
series="${BENCH_SERIES:-10000}"
duration="${BENCH_DURATION:-15s}"
bench_start "$series"

declare -A targets=(
  [empty]="$bench_base/bench/empty"
  [metric_equality]="$bench_base/apis/external.metrics.k8s.io/v1beta1/namespaces/ns-7/predicted_load?labelSelector=service%3Dsvc-42"
  [metric_hpa_selector]="$bench_base/apis/external.metrics.k8s.io/v1beta1/namespaces/ns-7/predicted_load?labelSelector=region+in+%28eu%2Cus%29%2Cservice%3Dsvc-42%2Ctier%3Dweb"
)
order=(empty metric_equality metric_hpa_selector)

echo "# bench-api: $series series, $(nproc) cores, server on CPU 0, load on CPU 1, $(date -u +%Y-%m-%dT%H:%MZ)"
for name in "${order[@]}"; do
  curl -skf "${targets[$name]}" -o /dev/null || { echo "target $name failed" >&2; exit 1; }
  wrk_warm "$name" "${targets[$name]}"
done

bench_compare "$duration" 1000 20 ""
