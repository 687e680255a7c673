#!/usr/bin/env python3
"""Load test for `siftql serve`: concurrent keep-alive clients on loopback
send a mix of List Clusters requests for a fixed time and report
requests/s, latency percentiles, failures and the compile step's share
(from the `Server-Timing` header the server sends).

    python3 benches/serve_load.py http://127.0.0.1:PORT [CLIENTS] [SECONDS] [--warm]

With --warm each request body is sent once before the clock starts (the
server's answer cache then holds them all).

Standard library only. Every request must answer 200 with a JSON body;
anything else counts as a failure (and is printed once).
"""
import http.client
import json
import sys
import threading
import time
import urllib.parse

# A 20-condition filter: typed columns, JSON paths, a NOT list and an OR.
TWENTY = (
    'status in ["completed", "failed", "running"] and num_clusters >= 2 and num_clusters <= 60 '
    'and num_documents_clustered > 100 and execution_time_seconds < 5000 '
    'and algorithm in ["kmeans", "hdbscan", "agglomerative", "dbscan"] '
    'and created_at >= "2020-01-01T00:00:00Z" and cluster_name exists and namespace_id exists '
    'and hierarchical_vector is not null and llm_labeling.enabled exists '
    'and metadata.team is not null and input_collections exists and cluster_id starts with "clu" '
    'and not cluster_name contains "zzz" and not status = "deleted" and not algorithm = "none" '
    'and (sample_size > 0 or sample_size not exists or learning_quality_score >= 0 or error is null)'
)
assert TWENTY.count(" and ") + TWENTY.count(" or ") + 1 >= 20

BODIES = [
    {"filter": TWENTY, "limit": 20, "sort": {"field": "created_at", "direction": "desc"}},
    {"filter": 'status = "completed" and num_clusters >= 10', "limit": 50},
    {"filters": {"AND": [{"field": "algorithm", "operator": "in", "value": ["kmeans", "hdbscan"]}],
                 "NOT": [{"field": "cluster_name", "operator": "starts_with", "value": "faces"}]},
     "sorts": [{"field": "num_documents_clustered", "direction": "desc"}], "page": 3},
    {"search": "gpu", "limit": 10},
    {"filter": 'metadata.team = "data-eng" or llm_labeling.model_name starts with "gpt"', "limit": 100},
]


def client(url, deadline, latencies, compile_shares, failures, lock, only):
    u = urllib.parse.urlparse(url)
    conn = http.client.HTTPConnection(u.hostname, u.port, timeout=300)
    bodies = [json.dumps(b) for b in (BODIES[:1] if only else BODIES)]
    i = 0
    mine, shares = [], []
    while time.monotonic() < deadline:
        body = bodies[i % len(bodies)]
        i += 1
        start = time.perf_counter()
        try:
            conn.request("POST", "/v1/clusters/list", body, {"Content-Type": "application/json"})
            r = conn.getresponse()
            data = r.read()
            elapsed = time.perf_counter() - start
            if r.status != 200:
                raise RuntimeError(f"status {r.status}: {data[:200]!r}")
            json.loads(data)
            mine.append(elapsed)
            timing = dict(
                part.strip().split(";dur=") for part in r.getheader("Server-Timing", "").split(",") if ";dur=" in part
            )
            if "compile" in timing and float(timing.get("total", 0)) > 0:
                shares.append(float(timing["compile"]) / float(timing["total"]))
        except Exception as e:  # noqa: BLE001 - every failure is counted
            with lock:
                if not failures:
                    print(f"first failure: {e}", file=sys.stderr)
                failures.append(e)
            conn.close()
            conn = http.client.HTTPConnection(u.hostname, u.port, timeout=300)
    with lock:
        latencies.extend(mine)
        compile_shares.extend(shares)


def warm(url):
    """Sends each body once, so that timed requests find their answers cached."""
    u = urllib.parse.urlparse(url)
    conn = http.client.HTTPConnection(u.hostname, u.port, timeout=600)
    for body in BODIES:
        conn.request("POST", "/v1/clusters/list", json.dumps(body), {"Content-Type": "application/json"})
        r = conn.getresponse()
        r.read()
        assert r.status == 200, r.status


def run(url, clients, seconds, only):
    latencies, shares, failures, lock = [], [], [], threading.Lock()
    deadline = time.monotonic() + seconds
    threads = [
        threading.Thread(target=client, args=(url, deadline, latencies, shares, failures, lock, only))
        for _ in range(clients)
    ]
    t0 = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.monotonic() - t0
    latencies.sort()
    pct = lambda p: latencies[min(len(latencies) - 1, int(p * len(latencies)))] * 1e3 if latencies else float("nan")
    share = sum(shares) / len(shares) * 100 if shares else float("nan")
    label = "20-condition filter only" if only else "mixed filters"
    print(
        f"{label:26} {clients} clients {wall:5.1f} s: {len(latencies) / wall:8.1f} req/s  "
        f"p50 {pct(0.50):6.2f} ms  p99 {pct(0.99):6.2f} ms  max {pct(1.0):7.2f} ms  "
        f"compile {share:4.1f}% of server time  failures {len(failures)}"
    )
    return len(failures)


if __name__ == "__main__":
    args = [a for a in sys.argv[1:] if a != "--warm"]
    url = args[0]
    clients = int(args[1]) if len(args) > 1 else 16
    seconds = float(args[2]) if len(args) > 2 else 10
    if "--warm" in sys.argv:
        warm(url)
    bad = run(url, clients, seconds, only=True) + run(url, clients, seconds, only=False)
    sys.exit(1 if bad else 0)
