#!/usr/bin/env python3
"""Instructions the server executes per `304` poll of a completed job, counted by callgrind.

Wall-clock rates on a shared machine move with whatever else runs; instruction counts do not,
so this is the figure to compare two versions of the request path. The server runs under
`valgrind --tool=callgrind` twice, answering 1,000 and then 6,000 conditional polls on one
keep-alive connection; the difference divided by 5,000 leaves out start-up and the job itself.
Three such pairs are run and the median printed.
With `--bare`, the same is measured for `bench/bare_status.rs` (bare axum), the floor.

    cargo build --release --bin rankmap --example bare_status
    python3 bench/status_instructions.py [--bare]
"""

import http.client
import json
import os
import re
import socket
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FEW, MANY = 1_000, 6_000


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until_up(port: int) -> None:
    for _ in range(600):
        try:
            c = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            c.request("GET", "/healthz")
            c.getresponse().read()
            return
        except OSError:
            time.sleep(0.2)
    sys.exit(f"no server on port {port}")


def completed_job(c: http.client.HTTPConnection) -> tuple[str, str]:
    """Uploads a tiny CSV and polls until its job completes: (path, ETag)."""
    body = (b'--b\r\nContent-Disposition: form-data; name="file"; filename="q.csv"\r\n'
            b"Content-Type: text/csv\r\n\r\nquery,clicks\nduo,1\n\r\n--b--\r\n")
    c.request("POST", "/api/v1/analysis/analyze-file", body,
              {"Content-Type": "multipart/form-data; boundary=b"})
    path = "/api/v1/analysis/job/" + json.loads(c.getresponse().read())["jobId"]
    for _ in range(600):
        c.request("GET", path)
        r = c.getresponse()
        if json.loads(r.read())["status"] == "completed":
            return path, r.getheader("ETag")
        time.sleep(0.1)
    sys.exit("the job did not complete")


def instructions(polls: int, bare: bool) -> int:
    work = tempfile.mkdtemp(prefix="rankmap-cg-")
    port = free_port()
    out = os.path.join(work, "callgrind.out")
    env = dict(os.environ,
               RANKMAP__SERVER__BIND=f"127.0.0.1:{port}",
               RANKMAP__STORAGE__UPLOADS_DIR=os.path.join(work, "uploads"),
               RANKMAP__STORAGE__RESULTS_DIR=os.path.join(work, "results"),
               RANKMAP__RUNNER__COMMAND=json.dumps(
                   ["python3", os.path.join(ROOT, "tests/fixtures/stub/analyzer.py")]),
               RANKMAP__LOG__LEVEL="info")
    binary = os.path.join(ROOT, "target/release", "examples/bare_status" if bare else "rankmap")
    args = ["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}", binary]
    if bare:
        args.append(f"127.0.0.1:{port}")
    server = subprocess.Popen(args, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_until_up(port)
        c = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        path, etag = ("/api/v1/analysis/job/x", '"bare"') if bare else completed_job(c)
        for _ in range(polls):
            c.request("GET", path, headers={"If-None-Match": etag})
            r = c.getresponse()
            r.read()
            if r.status != 304:
                sys.exit(f"expected 304, got {r.status}")
        c.close()
    finally:
        server.terminate()
        server.wait()
    text = open(out, encoding="utf-8").read()
    found = re.search(r"^(?:summary|totals): (\d+)", text, re.M)
    if not found:
        sys.exit("no totals in the callgrind output")
    return int(found.group(1))


def main() -> None:
    bare = "--bare" in sys.argv[1:]
    # Timers and the metrics upkeep run by the clock, so the count still moves a little: the
    # median of three is quoted.
    runs = sorted((instructions(MANY, bare) - instructions(FEW, bare)) / (MANY - FEW)
                  for _ in range(3))
    name = "bare axum" if bare else "rankmap"
    print(f"{name}: {runs[1]:,.0f} instructions per 304 poll (median; runs "
          + ", ".join(f"{r:,.0f}" for r in runs) + ")")


if __name__ == "__main__":
    main()
