"""A Prometheus-instrumented app stand-in for make bench-sidecar: ~500 series in the client libraries' shape
(request counters by handler, method and code; a latency histogram by handler), counting simulated traffic.
Usage: app.py PORT SERIES  (SERIES is approximate: 500 for the benchmark, 100000 for the memory bound)."""
import http.server, random, sys, threading, time

port, series = int(sys.argv[1]), int(sys.argv[2])
buckets = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]
# Each handler has 4 counter series (2 methods x 2 codes) and one histogram of len(buckets)+3 lines.
handlers = max(1, series // (4 + len(buckets) + 3))
lock, started = threading.Lock(), time.monotonic()
counts = {}
rng = random.Random(1)

def render():
    elapsed = time.monotonic() - started
    out = ["# HELP http_requests_total Requests.", "# TYPE http_requests_total counter"]
    for h in range(handlers):
        for method in ("GET", "POST"):
            for code in ("200", "500"):
                rate = 20.0 / (h + 1) * (0.02 if code == "500" else 1) * (0.3 if method == "POST" else 1)
                out.append(f'http_requests_total{{handler="/api/v1/h{h}",method="{method}",code="{code}"}} {int(rate * elapsed)}')
    out += ["# HELP http_request_duration_seconds Latency.", "# TYPE http_request_duration_seconds histogram"]
    for h in range(handlers):
        total = int(20.0 / (h + 1) * 1.32 * elapsed)
        cumulative = 0
        for i, bound in enumerate(buckets):
            cumulative = max(cumulative, int(total * min(1.0, (i + 1) / (len(buckets) - 2))))
            out.append(f'http_request_duration_seconds_bucket{{handler="/api/v1/h{h}",le="{bound}"}} {cumulative}')
        out.append(f'http_request_duration_seconds_bucket{{handler="/api/v1/h{h}",le="+Inf"}} {total}')
        out.append(f'http_request_duration_seconds_sum{{handler="/api/v1/h{h}"}} {total * 0.042:.3f}')
        out.append(f'http_request_duration_seconds_count{{handler="/api/v1/h{h}"}} {total}')
    return ("\n".join(out) + "\n").encode()

class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        body = render()
        self.send_response(200)
        self.send_header("Content-Type", "text/plain; version=0.0.4")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass

http.server.ThreadingHTTPServer(("127.0.0.1", port), Handler).serve_forever()
