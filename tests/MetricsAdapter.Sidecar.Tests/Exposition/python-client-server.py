# Serves metrics with the official Python client (python3-prometheus-client, Debian) on loopback.
import sys, time, math
from prometheus_client import (start_http_server, Counter, Histogram, Summary, Gauge, Info, Enum, REGISTRY)
from prometheus_client.core import GaugeHistogramMetricFamily, CounterMetricFamily

reqs = Counter('http_requests', 'Total HTTP requests handled.', ['code', 'handler', 'method'])
lat = Histogram('http_request_duration_seconds', 'HTTP request latency.', ['handler', 'method'],
                buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0))
size = Summary('http_response_size_bytes', 'Response size.', ['handler'])
up = Gauge('queue_depth', 'Gauge with special values. Backslash \\ and\nnewline in HELP.', ['kind'])
bytes_ = Counter('payload', 'Counter with a unit.', unit='bytes')
info = Info('build', 'Build information.')
state = Enum('worker_state', 'Worker state.', states=['starting', 'running', 'stopped'])

class Custom:
    def collect(self):
        g = GaugeHistogramMetricFamily('inflight_age_seconds', 'A gauge histogram.',
                                       buckets=[('1.0', 3), ('10.0', 5), ('+Inf', 6)], gsum_value=21.5)
        yield g
        c = CounterMetricFamily('escaped_labels', 'Label values with escapes.', labels=['path'])
        c.add_metric(['/a"quoted"'], 1)
        c.add_metric(['back\\slash'], 2)
        c.add_metric(['new\nline'], 3)
        c.add_metric(['utf8-é✓'], 4)
        yield c
REGISTRY.register(Custom())

info.info({'version': '1.2.3', 'revision': 'abc123'})
state.state('running')
up.labels('nan').set(float('nan')); up.labels('posinf').set(float('inf')); up.labels('neginf').set(float('-inf'))
up.labels('big').set(1e6); up.labels('tiny').set(1.5e-7); up.labels('neg').set(-3)
bytes_.inc(1234567)

def serve_round(n):
    for i in range(n):
        h = ['/api/v1/query', '/ready', '/graph'][i % 3]
        code = '400' if i % 5 == 4 else '200'
        reqs.labels(code, h, 'GET').inc(exemplar={'trace_id': 'abc%04d' % i} if i == 0 else None)
        lat.labels(h, 'GET').observe(0.003 * (i + 1), exemplar={'trace_id': 'def%04d' % i} if i == 1 else None)
        size.labels(h).observe(100 * (i + 1))

start_http_server(int(sys.argv[1]), addr='127.0.0.1')
serve_round(10)
open('/tmp/promcap/py.ready', 'w').write('ok')
while True:
    time.sleep(1)
    try:
        if open('/tmp/promcap/py.more').read():
            serve_round(7); import os; os.remove('/tmp/promcap/py.more')
    except FileNotFoundError:
        pass
