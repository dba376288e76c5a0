#!/usr/bin/env bash
# make bench-sidecar: the predictor sidecar's footprint, Native AOT and JIT side by side in one run.
#  Both builds scrape the same ~500-series endpoint every 5 s (bench/sidecar/app.py, on CPU 1) and publish to one
#  librdkafka mock cluster (kcat's, a separate process), both pinned to CPU 0, for $BENCH_SIDECAR_MINUTES minutes
#  (default 10). Sampled from /proc every 5 s: resident memory (peak, and steady = median of the second half),
#  average CPU in millicores (utime+stime over wall time, after start-up); from the sidecar's own /metrics: scrape
#  duration (HTTP fetch + parse) and observations sent. Start-up: from exec to /healthz answering, and to the
#  first observation acknowledged by Kafka (the first needs two scrapes: a baseline and one interval).
#  Then each build against an app with 100,000 series for 2 minutes: the series limit holds memory.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
minutes="${BENCH_SIDECAR_MINUTES:-10}"
out="$root/.build/bench-sidecar"
mkdir -p "$out"
echo "# bench-sidecar: $(nproc) cores, $(date -u +%Y-%m-%dT%H:%MZ), $minutes min"

# Native AOT needs a C toolchain: clang if present, else gcc.
linker=()
command -v clang >/dev/null || linker=(-p:CppCompilerAndLinker=gcc)
dotnet publish "$root/src/MetricsAdapter.Sidecar/MetricsAdapter.Sidecar.csproj" -c Release -r linux-x64 -o "$out/aot" --nologo -v quiet "${linker[@]}" >/dev/null
dotnet publish "$root/src/MetricsAdapter.Sidecar/MetricsAdapter.Sidecar.csproj" -c Release -o "$out/jit" --nologo -v quiet -p:PublishAot=false >/dev/null
echo "AOT executable: $(du -h "$out/aot/metrics-adapter-sidecar" | cut -f1); with librdkafka: $(du -ch "$out/aot/metrics-adapter-sidecar" "$out/aot/"*librdkafka.so | tail -1 | cut -f1)"

pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT

kcat -b dummy:1 -X test.mock.num.brokers=1 -C -t metrics-adapter.observations -q >/dev/null 2>"$out/kafka.log" &
pids+=($!)
for _ in $(seq 1 50); do grep -qoE '[0-9.]+:[0-9]+' "$out/kafka.log" 2>/dev/null && break; sleep 0.2; done
bootstrap=$(grep -oE '127\.0\.0\.1:[0-9]+' "$out/kafka.log" | head -1)
[[ -n "$bootstrap" ]] || { echo "mock cluster did not start: $(cat "$out/kafka.log")" >&2; exit 1; }

python3 "$root/bench/sidecar/measure.py" "$out" "$bootstrap" "$minutes" "$root/bench/sidecar/app.py"
