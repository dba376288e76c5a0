# Shared by the HTTP benchmarks: build and start the bench server (the production pipeline plus /bench/empty),
# pinned to CPU 0, and measure with wrk/hey pinned to CPU 1. Source it; call bench_start first.
set -euo pipefail
bench_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bench_out="$bench_root/.build/bench-server"
bench_port="${BENCH_PORT:-7443}"
bench_base="https://127.0.0.1:$bench_port"

bench_start() {
  local series="$1"
  dotnet build "$bench_root/bench/MetricsAdapter.Bench.Api/MetricsAdapter.Bench.Api.csproj" -c Release -o "$bench_out/bin" --nologo -v quiet >/dev/null
  "$bench_root/metrics-adapter" certs generate --out-dir "$bench_out/certs" --dns localhost --ip 127.0.0.1 >/dev/null
  taskset -c 0 dotnet "$bench_out/bin/MetricsAdapter.Bench.Api.dll" "127.0.0.1:$bench_port" "$series" \
    "$bench_out/certs/serving.crt" "$bench_out/certs/serving.key" >/dev/null &
  bench_server=$!
  trap 'kill $bench_server 2>/dev/null; wait $bench_server 2>/dev/null || true' EXIT
  for _ in $(seq 1 150); do
    curl -skf "$bench_base/readyz" >/dev/null 2>&1 && return 0
    sleep 0.2
  done
  echo "bench server did not start" >&2
  exit 1
}

# wrk_rps URL DURATION [LUA]: requests per second.
wrk_rps() {
  local script=()
  [[ -n "${3:-}" ]] && script=(-s "$3")
  taskset -c 1 wrk -t2 -c64 -d"$2" "${script[@]}" "$1" | awk '/Requests\/sec/ {print $2}'
}

# wrk_warm NAME URL [LUA]: load URL in 5 s rounds for at least a minute, then until two rounds in a row agree within 4%
# (at most 3 minutes); prints every round on stderr. On one saturated core the runtime's background compiler gets
# little time, so hot code reaches its final tier only after tens of seconds, in steps (a round may plateau before
# the next step): measuring earlier compares half-compiled code, and the path with more code looks worse than it is.
wrk_warm() {
  local name="$1" url="$2" lua="${3:-}" previous=0 current=0 round rounds=()
  for round in $(seq 1 36); do
    current=$(wrk_rps "$url" 5s "$lua")
    rounds+=("$current")
    if (( round >= 12 )) && awk -v a="$previous" -v b="$current" 'BEGIN {exit !(a > 0 && b / a > 0.96 && b / a < 1.04)}'; then
      break
    fi
    previous=$current
  done
  echo "# warm-up $name, req/s per 5 s round: ${rounds[*]}" >&2
}

# hey_latency URL DURATION RATE WORKERS [hey args...]: "achieved_rps p50_ms p99_ms"; fails on any non-2xx answer.
# hey starts its workers together and paces each alike, so N workers send bursts of N: fewer workers, smoother load.
hey_latency() {
  local url="$1" duration="$2" rate="$3" workers="$4"; shift 4
  local report
  report=$(taskset -c 1 hey -z "$duration" -c "$workers" -q $((rate / workers)) "$@" "$url")
  local codes
  codes=$(awk '/Status code distribution/ {f=1; next} f && /\[/ {print $1}' <<<"$report" | tr -d '\n')
  [[ "$codes" == "[200]" ]] || { echo "non-200 answers from $url: $codes" >&2; exit 1; }
  awk '/Requests\/sec/ {rps=$2} / 50% in / {p50=$3*1000} / 99% in / {p99=$3*1000} END {printf "%.1f %.2f %.2f\n", rps, p50, p99}' <<<"$report"
}

# bench_compare DURATION OFFERED WORKERS LUA [HEY_ARGS...]: for the caller's `targets` (name -> URL) and `order`
# (empty first), throughput as $BENCH_ROUNDS (default 4) alternating wrk rounds of DURATION per target, so drift affects
# all alike; the median per target, because on this VM a whole round now and then drops by a third; then latency with
# hey at OFFERED req/s from WORKERS workers; prints every round and the table, ratios against `empty`.
bench_compare() {
  local duration="$1" offered="$2" workers="$3" lua="$4"; shift 4
  local -A rounds=() rps=()
  local round name achieved p50 p99 ratio
  for round in $(seq 1 "${BENCH_ROUNDS:-4}"); do
    for name in "${order[@]}"; do
      rounds[$name]+="$(wrk_rps "${targets[$name]}" "$duration" "$lua") "
    done
  done

  for name in "${order[@]}"; do
    echo "# $name, req/s per $duration round: ${rounds[$name]}"
    rps[$name]=$(tr ' ' '\n' <<<"${rounds[$name]}" | grep . | sort -g | awk '{v[NR]=$1} END {printf "%.0f", NR % 2 ? v[(NR+1)/2] : (v[NR/2]+v[NR/2+1])/2}')
  done

  printf "\n| target | wrk req/s (median) | ratio to empty | hey req/s (%s offered) | p50 ms | p99 ms |\n|---|---|---|---|---|---|\n" "$offered"
  for name in "${order[@]}"; do
    read -r achieved p50 p99 < <(hey_latency "${targets[$name]}" "$duration" "$offered" "$workers" "$@")
    ratio=$(awk -v a="${rps[$name]}" -v b="${rps[empty]}" 'BEGIN {printf "%.1f%%", 100*a/b}')
    printf "| %s | %s | %s | %s | %s | %s |\n" "$name" "${rps[$name]}" "$ratio" "$achieved" "$p50" "$p99"
  done
}
