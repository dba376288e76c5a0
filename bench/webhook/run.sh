#!/usr/bin/env bash
# make bench-webhook: POST /mutate with a typical ~5 KB pod (samples/admission-review.json, a captured Deployment
# pod) against POST to an empty endpoint of the same server, in one run, as ratios.
#  1. throughput: wrk (POST via Lua), 2 threads, 64 connections, each target warmed until steady (wrk_warm), then four
#     alternating rounds; the median per target (bench_compare).
#  2. latency at 500 requests/s: hey, 2 workers x 250 req/s (smooth arrivals) for $BENCH_DURATION; p50/p99.
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"
duration="${BENCH_DURATION:-15s}"
body="$bench_root/samples/admission-review.json"
lua="$bench_out/post.lua"
bench_start 0
cat > "$lua" <<LUA
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
local file = io.open("$body", "r")
wrk.body = file:read("*a")
file:close()
LUA

declare -A targets=([empty]="$bench_base/bench/empty" [mutate]="$bench_base/mutate?timeout=5s")
order=(empty mutate)
size=$(stat -c %s "$body")
echo "# bench-webhook: $size-byte AdmissionReview, $(nproc) cores, server on CPU 0, load on CPU 1, $(date -u +%Y-%m-%dT%H:%MZ)"
curl -skf -X POST -H 'Content-Type: application/json' --data-binary "@$body" "${targets[mutate]}" | grep -q '"patchType":"JSONPatch"' \
  || { echo "the webhook did not answer with a patch" >&2; exit 1; }
for name in "${order[@]}"; do wrk_warm "$name" "${targets[$name]}" "$lua"; done

bench_compare "$duration" 500 2 "$lua" -m POST -T application/json -D "$body"
