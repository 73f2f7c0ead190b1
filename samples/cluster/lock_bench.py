#!/usr/bin/env python3
"""Lock-workload throughput: K clients, each on its own keep-alive connection, doing LOCK then UNLOCK
of a file of its own for N seconds. Prints "cycles/s" (one cycle: a LOCK granted and released).

    lock_bench.py URL [SECONDS=5] [CLIENTS=8]

URL is a keepdav share (a node, or a balancer in front of several). Creates lock-bench-K.txt files.
"""
import http.client, sys, threading, time, urllib.parse

LOCKINFO = ('<?xml version="1.0" encoding="utf-8"?><D:lockinfo xmlns:D="DAV:"><D:lockscope><D:exclusive/>'
            '</D:lockscope><D:locktype><D:write/></D:locktype></D:lockinfo>')


def client(url, index, deadline, counts, errors):
    u = urllib.parse.urlsplit(url)
    conn = http.client.HTTPConnection(u.hostname, u.port, timeout=30)
    path = u.path.rstrip("/") + f"/lock-bench-{index}.txt"
    cycles = 0
    while time.monotonic() < deadline:
        conn.request("LOCK", path, LOCKINFO, {"Timeout": "Second-60", "Depth": "0"})
        r = conn.getresponse()
        r.read()
        token = r.getheader("Lock-Token")
        if r.status not in (200, 201) or not token:
            errors.append(f"LOCK {r.status}")
            continue
        conn.request("UNLOCK", path, headers={"Lock-Token": token})
        r = conn.getresponse()
        r.read()
        if r.status != 204:
            errors.append(f"UNLOCK {r.status}")
            continue
        cycles += 1
    counts[index] = cycles


def main():
    url = sys.argv[1]
    seconds = float(sys.argv[2]) if len(sys.argv) > 2 else 5
    clients = int(sys.argv[3]) if len(sys.argv) > 3 else 8
    counts, errors = [0] * clients, []
    start = time.monotonic()
    deadline = start + seconds
    threads = [threading.Thread(target=client, args=(url, i, deadline, counts, errors)) for i in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.monotonic() - start
    print(f"{sum(counts)} cycles in {elapsed:.1f} s with {clients} clients: {sum(counts) / elapsed:.0f} cycles/s"
          + (f", {len(errors)} errors ({errors[0]})" if errors else ""))
    sys.exit(1 if errors else 0)


if __name__ == "__main__":
    main()
