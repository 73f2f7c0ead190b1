#!/usr/bin/env python3
"""At the descriptor limit: keepdav started with RLIMIT_NOFILE 256 and no --max-connections, then 600
clients connect at once and each sends a GET. Every answer must be 200 or 503 (never a 500 from a
file the server could not open, never a hang), and the server must serve normally once they are
gone. Needs KEEPDAV_BIN.
"""
import os
import resource
import shutil
import socket
import subprocess
import sys
import tempfile
import time

BIN = os.environ["KEEPDAV_BIN"]
CLIENTS = 600
checks = {"passed": 0, "failed": 0}


def check(condition, what):
    print(("ok:   " if condition else "FAIL: ") + what, flush=True)
    checks["passed" if condition else "failed"] += 1


def limit_descriptors():
    resource.setrlimit(resource.RLIMIT_NOFILE, (256, 256))


def status_of(response):
    try:
        return int(response.split(b" ", 2)[1])
    except (IndexError, ValueError):
        return None


def read_response(s, deadline):
    received = b""
    while time.monotonic() < deadline:
        s.settimeout(max(0.05, deadline - time.monotonic()))
        try:
            chunk = s.recv(65536)
        except socket.timeout:
            break
        except OSError:
            break
        if not chunk:
            break
        received += chunk
    return received


def main():
    resource.setrlimit(resource.RLIMIT_NOFILE, (4096, resource.getrlimit(resource.RLIMIT_NOFILE)[1]))
    root = tempfile.mkdtemp(prefix="keepdav-descriptors-")
    with open(os.path.join(root, "a.txt"), "w") as f:
        f.write("a" * 100)
    log = tempfile.TemporaryFile()
    proc = subprocess.Popen([BIN, "--root", root, "--listen", "127.0.0.1:0", "--state-dir", "none", "--access-log", "/dev/null"],
                            stdout=subprocess.PIPE, stderr=log, text=True, preexec_fn=limit_descriptors)
    try:
        line = proc.stdout.readline().strip()
        assert line.startswith("listening on "), line
        port = int(line.rsplit(":", 1)[1])
        sockets = []
        for _ in range(CLIENTS):
            s = socket.socket()
            s.settimeout(5)
            s.connect(("127.0.0.1", port))
            sockets.append(s)
        for s in sockets:
            try:
                s.sendall(b"GET /a.txt HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
            except OSError:
                pass  # refused and closed already: its 503 is in the receive buffer
        deadline = time.monotonic() + 20
        statuses = {}
        for s in sockets:
            status = status_of(read_response(s, deadline))
            statuses[status] = statuses.get(status, 0) + 1
            s.close()
        print("statuses:", statuses, flush=True)
        check(set(statuses) <= {200, 503}, f"every client got 200 or 503 ({statuses})")
        check(statuses.get(200, 0) > 0, "some clients were served")
        check(proc.poll() is None, "server still running")
        s = socket.create_connection(("127.0.0.1", port), timeout=5)
        s.sendall(b"GET /a.txt HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
        check(status_of(read_response(s, time.monotonic() + 5)) == 200, "served normally afterwards")
        s.close()
    finally:
        proc.terminate()
        proc.wait(timeout=40)
        log.seek(0)
        lines = log.read().decode(errors="replace").splitlines()
        refusals = [l for l in lines if "accept failed" in l or "refused" in l]
        check(len(refusals) <= 25, f"refusals logged at most once a second ({len(refusals)} lines)")
        check(not any("Too many open files" in l and "accept failed" not in l for l in lines),
              "no request failed for want of a descriptor")
        shutil.rmtree(root, ignore_errors=True)
    print(f"{checks['passed']} passed, {checks['failed']} failed")
    sys.exit(1 if checks["failed"] else 0)


if __name__ == "__main__":
    main()
