#!/usr/bin/env python3
"""Locks across the nodes of a cluster (driven by cluster.sh). Each mode prints its checks and exits 1
on a failed one.

  compete URL...   many clients, spread over the nodes, compete for exclusive locks on one file and
                   on one collection (Depth infinity, against depth-0 locks of a member): never two
                   holders; while one holds, tokenless writes through every node get 423, and the
                   holder's own write with its token succeeds.
  expiry N1 N2 N3  a 2 s lock taken through N1, refreshed to 4 s through N2: N3 gets it only once the
                   refreshed lock has expired (timed by the database, whichever node asks).
  async N1 N2 N3   an asynchronous COPY started through N1 is polled through N2 until done and forgotten
                   through N3; a long one (/big/) is cancelled through N3 and seen cancelled through N2.
  outage STOP START ROWS URL...
                   clients cycle LOCK/UNLOCK on files of their own through the nodes while the shell
                   command STOP stops the database and START starts it again: only 503s (with
                   Retry-After) while it is down, and afterwards the rows the shell command ROWS lists
                   are exactly the locks the clients hold (none lost, none doubled).
"""
import http.client, subprocess, sys, threading, time, urllib.parse

LOCKINFO = ('<?xml version="1.0" encoding="utf-8"?><D:lockinfo xmlns:D="DAV:"><D:lockscope><D:exclusive/>'
            '</D:lockscope><D:locktype><D:write/></D:locktype><D:owner>{}</D:owner></D:lockinfo>')
failures = []
checks = 0
mutex = threading.Lock()


def check(ok, what):
    global checks
    with mutex:
        checks += 1
        if not ok:
            failures.append(what)
            if len(failures) <= 20:
                print("FAIL: " + what, flush=True)
    return ok


class Client:
    def __init__(self, url):
        u = urllib.parse.urlsplit(url)
        self.host, self.port, self.base = u.hostname, u.port, u.path.rstrip("/")
        self.conn = None

    def request(self, method, path, body=None, headers=None):
        for attempt in range(2):
            if self.conn is None:
                self.conn = http.client.HTTPConnection(self.host, self.port, timeout=60)
            try:
                self.conn.request(method, self.base + path, body, headers or {})
                r = self.conn.getresponse()
                data = r.read()
                if r.getheader("Connection", "").lower() == "close":
                    self.conn.close()
                    self.conn = None
                return r.status, r, data
            except (ConnectionError, http.client.HTTPException):
                self.conn.close()
                self.conn = None
                if attempt:
                    raise

    def lock(self, path, owner, depth="0", timeout="Second-60"):
        status, r, _ = self.request("LOCK", path, LOCKINFO.format(owner), {"Timeout": timeout, "Depth": depth})
        return status, r.getheader("Lock-Token"), r


def compete(urls, clients=12, seconds=6.0):
    setup = Client(urls[0])
    setup.request("PUT", "/one.txt", b"one")
    setup.request("MKCOL", "/col")
    setup.request("PUT", "/col/member.txt", b"member")
    holders = {"file": 0, "col": 0}
    grants = {"file": 0, "col": 0}
    deadline = time.monotonic() + seconds

    def worker(i):
        me = Client(urls[i % len(urls)])
        others = [Client(u) for u in urls]
        n = 0
        while time.monotonic() < deadline:
            n += 1
            group = "file" if (i + n) % 2 else "col"
            if group == "file":
                path, depth = "/one.txt", "0"
            else:
                path, depth = ("/col", "infinity") if (i + n) % 4 == 0 else ("/col/member.txt", "0")
            status, token, _ = me.lock(path, f"client {i}", depth)
            if status == 423:
                continue
            if not check(status in (200, 201) and token, f"LOCK {path}: {status}"):
                continue
            with mutex:
                holders[group] += 1
                grants[group] += 1
                alone = holders[group] == 1
            check(alone, f"two holders of the {group} group at once ({path})")
            # While held: a tokenless write through every node is refused.
            target = "/one.txt" if group == "file" else "/col/member.txt"
            for other in others:
                status, _, _ = other.request("PUT", target, b"tokenless")
                check(status == 423, f"tokenless PUT {target} through {other.port} while {path} is locked: {status}")
            status, _, _ = others[(i + 1) % len(others)].request("PUT", target, b"holder",
                                                                  {"If": f"<{me.base}{path}> ({token})"})
            check(status in (200, 201, 204), f"the holder's PUT {target} with its token: {status}")
            with mutex:
                holders[group] -= 1
            status, _, _ = others[(i + 2) % len(others)].request("UNLOCK", path, headers={"Lock-Token": token})
            check(status == 204, f"UNLOCK {path}: {status}")

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    print(f"compete: {grants['file']} grants on the file, {grants['col']} in the collection, {clients} clients "
          f"over {len(urls)} nodes")
    check(grants["file"] > 5 and grants["col"] > 5, f"too few grants to mean anything: {grants}")


def expiry(n1, n2, n3):
    a, b, c = Client(n1), Client(n2), Client(n3)
    a.request("PUT", "/expiring.txt", b"x")
    status, token, _ = a.lock("/expiring.txt", "expiry", timeout="Second-2")
    check(status == 200 and token, f"LOCK with Timeout Second-2: {status}")
    status, r, _ = b.request("LOCK", "/expiring.txt", None, {"Timeout": "Second-4", "If": f"({token})"})
    refreshed = time.monotonic()
    check(status == 200, f"refresh through another node: {status}")
    check(r.getheader("Content-Type", "").startswith(("application/xml", "text/xml")), "refresh reply is XML")
    status, _, _ = c.lock("/expiring.txt", "third")
    check(status == 423, f"LOCK through a third node while held: {status}")
    # Poll the third node until it is granted: that must not happen before the refreshed timeout.
    while True:
        status, token3, _ = c.lock("/expiring.txt", "third")
        if status == 200:
            break
        check(status == 423, f"LOCK through a third node, polling: {status}")
        if not check(time.monotonic() - refreshed < 15, "the refreshed lock never expired"):
            return
        time.sleep(0.1)  # the poll's pace
    waited = time.monotonic() - refreshed
    print(f"expiry: granted through the third node {waited:.1f} s after a refresh to 4 s")
    check(waited > 3.0, f"granted {waited:.1f} s after the refresh to 4 s: the refresh was not honoured")
    status, _, _ = a.request("UNLOCK", "/expiring.txt", headers={"Lock-Token": token})
    check(status == 409, f"UNLOCK of the expired token: {status}")
    status, _, _ = a.request("UNLOCK", "/expiring.txt", headers={"Lock-Token": token3})
    check(status == 204, f"UNLOCK of the third node's lock through the first: {status}")


def outage(stop, start, rows, urls, clients=6):
    held = {}  # token -> path, what the clients believe they hold
    statuses = {}
    stopping = threading.Event()
    finished = threading.Event()
    down = {"during": 0}

    def worker(i):
        me = Client(urls[i % len(urls)])
        path = f"/outage-{i}.txt"
        me.request("PUT", path, b"x")
        mine = None
        unlock_unanswered = False  # an UNLOCK answered 503 may have been done all the same
        while not finished.is_set():
            if mine is None:
                status, token, r = me.lock(path, f"outage {i}")
                if status == 200:
                    mine = token
                    with mutex:
                        held[token] = path
            else:
                status, r, _ = me.request("UNLOCK", path, headers={"Lock-Token": mine})
                if status == 409 and unlock_unanswered:
                    status = 204  # the earlier UNLOCK was done; its answer was lost to the outage
                unlock_unanswered = status == 503
                if status == 204:
                    with mutex:
                        del held[mine]
                    mine = None
            with mutex:
                statuses[status] = statuses.get(status, 0) + 1
            if status == 503:
                check(r.getheader("Retry-After") is not None, "a 503 without Retry-After")
                if stopping.is_set():
                    down["during"] += 1
                time.sleep(0.05)  # as Retry-After asks, shortened
            else:
                check(status in (200, 204), f"{'UNLOCK' if mine else 'LOCK'} {path}: {status}")

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(clients)]
    for t in threads:
        t.start()
    time.sleep(1)  # the workload runs with the database up first
    stopping.set()
    subprocess.run(stop, shell=True, check=True)
    time.sleep(2)  # the database stays down this long
    subprocess.run(start, shell=True, check=True)
    stopping.clear()
    time.sleep(3)  # and the workload goes on once it is back
    finished.set()
    for t in threads:
        t.join()
    print(f"outage: statuses {dict(sorted(statuses.items()))}, {down['during']} 503s while down")
    check(down["during"] > 0, "no 503 while the database was down")
    check(statuses.get(200, 0) > 10, "the workload did not recover after the database came back")
    listed = subprocess.run(rows, shell=True, check=True, capture_output=True, text=True).stdout.split()
    held = [token.strip("<>") for token in held]
    check(sorted(listed) == sorted(held), f"locks in the table {sorted(listed)} != locks the clients hold {sorted(held)}")


def monitor_of(r, base):
    location = r.getheader("Location")
    return urllib.parse.urlsplit(location).path if location else None


def async_ops(n1, n2, n3):
    a, b, c = Client(n1), Client(n2), Client(n3)
    import json
    # A short one, started through one node, polled through another until done.
    status, r, _ = a.request("COPY", "/small/", None, {"Destination": n1.rstrip("/") + "/small-copy/",
                                                       "Prefer": "respond-async"})
    check(status == 202, f"asynchronous COPY: {status}")
    monitor = monitor_of(r, a.base)
    deadline = time.monotonic() + 20
    report = {}
    while time.monotonic() < deadline:
        status, _, body = b.request("GET", monitor)
        check(status == 200, f"monitor through another node: {status}")
        report = json.loads(body) if status == 200 else {}
        if report.get("state") != "running":
            break
        time.sleep(0.05)  # the poll's pace
    check(report.get("state") == "done" and report.get("status") == 201, f"the short COPY's report: {report}")
    status, _, _ = c.request("DELETE", monitor)
    check(status == 204, f"DELETE of an ended operation's monitor through a third node: {status}")
    status, _, _ = b.request("GET", monitor)
    check(status == 404, f"the forgotten monitor through another node: {status}")
    # A long one, started through one node, polled through the second, cancelled through the third.
    status, r, _ = a.request("COPY", "/big/", None, {"Destination": n1.rstrip("/") + "/big-copy/",
                                                     "Prefer": "respond-async"})
    check(status == 202, f"asynchronous COPY of the big tree: {status}")
    monitor = monitor_of(r, a.base)
    status, _, body = b.request("GET", monitor)
    check(status == 200 and json.loads(body).get("state") == "running", f"the big COPY through another node: {status} {body[:200]}")
    status, _, body = c.request("DELETE", monitor)
    check(status == 202, f"cancel through a third node: {status} {body[:200]}")
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        status, _, body = b.request("GET", monitor)
        report = json.loads(body) if status == 200 else {}
        if report.get("state") != "running":
            break
        time.sleep(0.05)  # the poll's pace
    print(f"async: the cancelled COPY's report through another node: {report.get('state')}, "
          f"{report.get('progress', {}).get('items')} of {report.get('progress', {}).get('items_total')} items")
    check(report.get("state") == "cancelled", f"the cancelled COPY's report: {report}")
    progress = report.get("progress", {})
    check(progress.get("items", 0) < (progress.get("items_total") or 0),
          "the cancelled COPY ran to its end")


def main():
    mode = sys.argv[1]
    if mode == "compete":
        compete(sys.argv[2:])
    elif mode == "expiry":
        expiry(*sys.argv[2:5])
    elif mode == "async":
        async_ops(*sys.argv[2:5])
    elif mode == "outage":
        outage(sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5:])
    print(f"{mode}: {checks - len(failures)} passed, {len(failures)} failed")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
