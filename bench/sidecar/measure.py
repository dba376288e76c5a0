"""Runs the AOT and JIT sidecars side by side and measures them from /proc and their /metrics (see run.sh)."""
import os, re, socket, statistics, subprocess, sys, time, urllib.request

out, bootstrap, minutes, app_script = sys.argv[1], sys.argv[2], float(sys.argv[3]), sys.argv[4]
ticks = os.sysconf("SC_CLK_TCK")

def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]

def start_app(series):
    port = free_port()
    proc = subprocess.Popen(["taskset", "-c", "1", sys.executable, app_script, str(port), str(series)])
    for _ in range(100):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=2).read()
            return proc, port
        except OSError:
            time.sleep(0.1)
    raise SystemExit("the app did not start")

def start_sidecar(build, app_port, pod):
    port = free_port()
    command = [f"{out}/aot/metrics-adapter-sidecar"] if build == "aot" else ["dotnet", f"{out}/jit/metrics-adapter-sidecar.dll"]
    env = dict(os.environ, POD_NAME=pod, POD_NAMESPACE="bench", NODE_NAME="bench-node", METRICS_ADAPTER_SERVICE="bench",
               METRICS_ADAPTER_SCRAPE_PORT=str(app_port), METRICS_ADAPTER_SCRAPE_PATH="/metrics", METRICS_ADAPTER_KAFKA_BOOTSTRAP=bootstrap)
    log = open(f"{out}/{pod}.log", "w")
    started = time.monotonic()
    proc = subprocess.Popen(["taskset", "-c", "0", *command, "sidecar", f"--listen=127.0.0.1:{port}"], env=env, stdout=log, stderr=log)
    return {"build": build, "proc": proc, "port": port, "started": started, "rss": [], "healthy_at": None, "first_sent_at": None, "cpu0": None}

def metrics(s):
    try:
        text = urllib.request.urlopen(f"http://127.0.0.1:{s['port']}/metrics", timeout=2).read().decode()
    except OSError:
        return None
    values = {}
    for line in text.splitlines():
        m = re.match(r'^([a-z_]+(?:\{[^}]*\})?) (\S+)$', line)
        if m:
            values[m.group(1)] = float(m.group(2))
    return values

def cpu_seconds(pid):
    fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / ticks

def rss_kb(pid, key="VmRSS"):
    for line in open(f"/proc/{pid}/status"):
        if line.startswith(key + ":"):
            return int(line.split()[1])
    return 0

def run(series, duration, label):
    app, app_port = start_app(series)
    sidecars = [start_sidecar("aot", app_port, f"aot-{label}"), start_sidecar("jit", app_port, f"jit-{label}")]
    try:
        deadline = time.monotonic() + duration
        while time.monotonic() < deadline:
            now = time.monotonic()
            for s in sidecars:
                pid = s["proc"].pid
                m = metrics(s)
                if m is not None and s["healthy_at"] is None:
                    s["healthy_at"] = now - s["started"]
                if m and s["first_sent_at"] is None and m.get('metrics_adapter_sidecar_observations_total{result="sent"}', 0) >= 1:
                    s["first_sent_at"] = now - s["started"]
                    s["cpu0"] = (cpu_seconds(pid), now)
                s["rss"].append(rss_kb(pid))
                s["last"] = m or s.get("last")
            time.sleep(5 if all(s["first_sent_at"] for s in sidecars) else 0.1)
        results = []
        for s in sidecars:
            pid, now = s["proc"].pid, time.monotonic()
            cpu1 = cpu_seconds(pid)
            c0, t0 = s["cpu0"] or (0, s["started"])
            m = s["last"] or {}
            scrapes = m.get("metrics_adapter_sidecar_scrape_duration_seconds_count", 0)
            steady = s["rss"][len(s["rss"]) // 2:]
            results.append({
                "build": s["build"], "peak_mb": rss_kb(pid, "VmHWM") / 1024, "steady_mb": statistics.median(steady) / 1024 if steady else 0,
                "millicores": (cpu1 - c0) / (now - t0) * 1000, "cpu_ms_per_interval": (cpu1 - c0) / max(1, (now - t0) / 5) * 1000,
                "scrape_us": m.get("metrics_adapter_sidecar_scrape_duration_seconds_sum", 0) / scrapes * 1e6 if scrapes else float("nan"),
                "scrapes": scrapes, "sent": m.get('metrics_adapter_sidecar_observations_total{result="sent"}', 0),
                "over_limit": m.get("metrics_adapter_sidecar_series_over_limit_total", 0),
                "healthy_s": s["healthy_at"], "first_sent_s": s["first_sent_at"],
            })
        return results
    finally:
        for s in sidecars:
            s["proc"].terminate()
            try:
                s["proc"].wait(timeout=20)
            except subprocess.TimeoutExpired:
                s["proc"].kill()
        app.terminate()

def table(title, results):
    print(f"\n## {title}")
    print("| build | RSS peak MB | RSS steady MB | CPU millicores | CPU ms per 5 s interval | scrape+parse µs (mean) | start to /healthz s | start to first observation sent s | scrapes | sent | series over limit |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for r in results:
        print(f"| {r['build']} | {r['peak_mb']:.1f} | {r['steady_mb']:.1f} | {r['millicores']:.2f} | {r['cpu_ms_per_interval']:.2f} | {r['scrape_us']:.0f} | "
              f"{r['healthy_s'] or float('nan'):.2f} | {r['first_sent_s'] or float('nan'):.2f} | {r['scrapes']:.0f} | {r['sent']:.0f} | {r['over_limit']:.0f} |")
    aot, jit = results[0], results[1]
    print(f"\nAOT / JIT: peak RSS {aot['peak_mb'] / jit['peak_mb']:.2f}, steady RSS {aot['steady_mb'] / jit['steady_mb']:.2f}, "
          f"CPU {aot['millicores'] / jit['millicores']:.2f}, start to first observation {aot['first_sent_s'] / jit['first_sent_s']:.2f}")

table(f"~500 series, every 5 s, {minutes:g} min, Kafka reachable", run(500, minutes * 60, "500"))
table("100,000 series (limit 10,000), every 5 s, 2 min, Kafka reachable", run(100_000, 120, "100k"))
