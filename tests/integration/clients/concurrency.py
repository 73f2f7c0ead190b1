#!/usr/bin/env python3
"""Concurrency: many clients on a few colliding paths, every response checked against invariants; then
targeted races between a precondition check and the change it guards. Needs KEEPDAV_BIN.

Random phase: CONCURRENCY_WORKERS (16) threads, a keep-alive connection each, for CONCURRENCY_SECONDS (20)
or CONCURRENCY_MAX_OPS operations on /a /a/x /a/y /b /b/z /f1 /f2 /f3: PUT (self-checksummed bodies of
0..200 KB naming writer and sequence), GET, DELETE, MKCOL, COPY, MOVE, PROPFIND Depth 1, LOCK (exclusive,
depth 0/infinity, 3..10 s), and by the holder: refresh, PUT/GET/DELETE with its token, UNLOCK. Checked:
  - every status is one RFC 4918 allows for the method (no 400, no 5xx but 503/507);
  - a GET 200 body is empty (a LOCK-made file) or one complete body a client sent: never torn or mixed;
  - a certainly-alive lock (grant received, release not sent, a second short of its timeout) is never
    lost: the holder's refresh and token-bearing PUT succeed, what it PUT reads back unchanged, and no
    tokenless write touching it nor conflicting LOCK succeeds (a 207 carrying a 423 excepted); a lock
    seen lost is reported once;
  - PROPFIND Depth 1 parses, lists each href once and only names clients make; after the run each
    listing agrees exactly with the disk, and every file on disk is empty or a valid body.
CONCURRENCY_SERIAL=1: one request at a time across clients, a self-test of the oracle (no violation).
Races, CONCURRENCY_ROUNDS (150) each; each side's request is sent but for its last byte, then released by
a Barrier: (a) tokenless DELETE vs LOCK of a file, (b) tokenless MOVE vs LOCK, (c) eight LOCKs of one
unmapped URL, (d) LOCK of a member vs DELETE of its 200-file collection, (e) a tokenless PUT whose header
was read before a LOCK was granted, its body after. Ends with `N passed, M failed` (checks); exit 1 on any.
"""
import collections, concurrent.futures, contextlib, hashlib, http.client, itertools, os, random, shutil, socket
import subprocess, sys, tempfile, threading, time, urllib.parse, xml.etree.ElementTree as ET

BIN = os.environ["KEEPDAV_BIN"]
SECONDS = float(os.environ.get("CONCURRENCY_SECONDS", "20"))
MAX_OPS = int(os.environ.get("CONCURRENCY_MAX_OPS", "200000"))
ROUNDS = int(os.environ.get("CONCURRENCY_ROUNDS", "150"))
WORKERS = int(os.environ.get("CONCURRENCY_WORKERS", "16"))
SERIAL = threading.Lock() if os.environ.get("CONCURRENCY_SERIAL") == "1" else contextlib.nullcontext()
PATHS = ["a", "a/x", "a/y", "b", "b/z", "f1", "f2", "f3"]
LEVEL1, LEVEL2 = ["a", "b", "f1", "f2", "f3"], ["x", "y", "z"]
CREATABLE = {""} | set(LEVEL1) | {f"{p}/{c}" for p in LEVEL1 for c in LEVEL2}  # COPY/MOVE go level to level
ALLOWED = {"GET": {200, 404}, "PUT": {201, 204, 405, 409, 412, 423}, "DELETE": {204, 207, 404, 409, 412, 423},
           "MKCOL": {201, 405, 409, 412, 423}, "COPY": {201, 204, 207, 403, 404, 409, 412, 423},
           "MOVE": {201, 204, 207, 403, 404, 409, 412, 423}, "PROPFIND": {207, 404},
           "LOCK": {200, 201, 409, 412, 423}, "UNLOCK": {204, 409}}
LOCKINFO = ('<?xml version="1.0" encoding="utf-8"?><D:lockinfo xmlns:D="DAV:"><D:lockscope><D:exclusive/>'
            '</D:lockscope><D:locktype><D:write/></D:locktype><D:owner>{}</D:owner></D:lockinfo>')
DAV = "{DAV:}"


class Tally:
    def __init__(self):
        self.mutex, self.checks, self.violations = threading.Lock(), 0, []
        self.ops, self.statuses, self.races = collections.Counter(), collections.Counter(), {}

    def check(self, ok, what):
        with self.mutex:
            self.checks += 1
            if not ok:
                self.violations.append(what)
                if len(self.violations) <= 40:
                    print("VIOLATION: " + what, flush=True)
        return ok


T = Tally()
SENT = set()  # the id of every body some client sent


def parent(rel):
    return rel.rpartition("/")[0]


def within(rel, root):  # rel is root or below it
    return rel == root or root == "" or rel.startswith(root + "/")


def make_body(ident, rng):
    payload = rng.randbytes(rng.choice([0, rng.randrange(1, 4096), rng.randrange(1, 200 * 1024)]))
    rest = f"{ident} {len(payload)}\n".encode() + payload
    SENT.add(ident)
    return b"KDV1 " + hashlib.sha256(rest).hexdigest().encode() + b" " + rest


def body_id(data):
    """The id of one complete, self-consistent body some client sent; "" for an empty file; else None."""
    if data == b"":
        return ""
    try:
        magic, digest, rest = data.split(b" ", 2)
        ident, size = rest.split(b"\n", 1)[0].decode().split(" ")
        ok = magic == b"KDV1" and hashlib.sha256(rest).hexdigest().encode() == digest
        return ident if ok and len(rest) - len(ident) - len(size) - 2 == int(size) and ident in SENT else None
    except ValueError:
        return None


class Server:
    def __init__(self, root):
        self.log = open(os.environ.get("CONCURRENCY_SERVER_LOG", os.devnull), "ab")  # set it to keep the log
        verbose = ["-v"] if self.log.name != os.devnull else []
        self.proc = subprocess.Popen([BIN, "--root", root, "--listen", "127.0.0.1:0", "--state-dir", "none",
                                      "--no-processing", *verbose], stdout=subprocess.PIPE, stderr=self.log, text=True)
        line = self.proc.stdout.readline().strip()
        assert line.startswith("listening on "), line
        self.port = int(line.rsplit(":", 1)[1])

    def stop(self):
        self.proc.terminate()
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.proc.wait(timeout=40)
        self.proc.kill()
        self.proc.wait()
        self.log.close()


class Client:
    """One keep-alive connection. prime() sends a request but for its last `hold` bytes and returns fire(),
    which sends them and returns (status, headers, body, sent_at, received_at); request() does both."""

    def __init__(self, port, name):
        self.port, self.name, self.sock = port, name, None

    def prime(self, method, rel, headers=None, body=b"", check=True, hold=1):
        head = f"{method} /{rel} HTTP/1.1\r\nHost: 127.0.0.1:{self.port}\r\nContent-Length: {len(body)}\r\n"
        raw = (head + "".join(f"{k}: {v}\r\n" for k, v in (headers or {}).items()) + "\r\n").encode() + body
        sent = time.monotonic()
        try:
            if self.sock is None:
                self.sock = socket.create_connection(("127.0.0.1", self.port), timeout=30)
                self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            self.sock.sendall(raw[:-hold])
        except OSError as e:
            return lambda: self.failed(method, rel, e, sent)

        def fire():
            try:
                with contextlib.suppress(OSError):  # a server may answer early and close: read that answer
                    self.sock.sendall(raw[-hold:])
                response = http.client.HTTPResponse(self.sock, method=method)
                response.begin()
                data = response.read()
                if response.will_close:
                    self.close()
            except (OSError, http.client.HTTPException) as e:
                return self.failed(method, rel, e, sent)
            status, got = response.status, {k.lower(): v for k, v in response.getheaders()}
            if check:
                T.ops[method] += 1
                T.statuses[(method, status)] += 1
                T.check(status in ALLOWED[method] or status in (503, 507),
                        f"{self.name}: {method} /{rel} -> {status} {data[:160]!r}")
            return status, got, data, sent, time.monotonic()
        return fire

    def failed(self, method, rel, error, sent):
        self.close()
        T.check(False, f"{self.name}: {method} /{rel}: transport error {error!r}")
        return None, {}, b"", sent, time.monotonic()

    def request(self, method, rel, headers=None, body=b"", check=True):
        with SERIAL:
            return self.prime(method, rel, headers, body, check)()

    def prime_lock(self, rel, depth, seconds, owner, delay=0):
        fire = self.prime("LOCK", rel, {"Depth": depth, "Timeout": f"Second-{seconds}",
                                        "Content-Type": "application/xml"}, LOCKINFO.format(owner).encode())

        def locked():  # (status, token, sent_at, received_at)
            time.sleep(delay)
            status, headers, _, sent, received = fire()
            return status, headers.get("lock-token", "").strip("<>"), sent, received
        return locked

    def lock(self, rel, depth, seconds, owner):
        with SERIAL:
            return self.prime_lock(rel, depth, seconds, owner)()

    def close(self):
        if self.sock:
            self.sock.close()
        self.sock = None


def listing(body):
    """PROPFIND multistatus -> list of (rel, collection, length or None); raises on bad XML."""
    out = []
    for response in ET.fromstring(body).iter(DAV + "response"):
        href = urllib.parse.unquote(urllib.parse.urlsplit(response.findtext(DAV + "href")).path).strip("/")
        length = response.findtext(f".//{DAV}getcontentlength")
        out.append((href, response.find(f".//{DAV}resourcetype/{DAV}collection") is not None,
                    None if length is None else int(length)))
    return out


# ---- the random phase ------------------------------------------------------------------------------------
LOCKS, LOCKS_MUTEX = {}, threading.Lock()  # every granted lock, by token, shared by all clients


def alive_locks(now):
    with LOCKS_MUTEX:
        return [l for l in LOCKS.values() if not l["released"] and not l["lost"] and now < l["until"]]


def lost_unless(lock, ok):
    """Records that a lock is lost (when not ok), so that it is reported once, not by every later request."""
    lock["lost"] |= not ok
    return ok


def touches(lock, rel, subtree, membership):
    """Whether a change to rel (its subtree too; its parent's membership too) needs the lock's token."""
    root = lock["root"]
    return (rel == root or (lock["infinite"] and within(rel, root)) or (subtree and within(root, rel))
            or (membership and parent(rel) == root))


class Worker(threading.Thread):
    def __init__(self, port, n, budget, deadline):
        super().__init__(daemon=True)
        self.client, self.rng, self.budget, self.deadline = Client(port, f"w{n}"), random.Random(n), budget, deadline
        self.seq, self.held, self.mine = 0, None, {}  # mine: what the holder PUT under its lock

    def run(self):
        try:
            while next(self.budget) < MAX_OPS and time.monotonic() < self.deadline:
                if self.held and (time.monotonic() > self.held["until"] or self.rng.random() < 0.35):
                    self.holder_step()
                else:
                    self.random_step()
        except Exception as e:  # a bug here must not pass for a clean run
            T.check(False, f"{self.client.name} crashed: {e!r}")
        finally:
            if self.held:
                self.release("UNLOCK")
            self.client.close()

    def guarded(self, method, rel, touched, headers=None, body=b""):
        """A tokenless write: no lock alive from before it was sent to after it was answered may be touched."""
        before = alive_locks(time.monotonic())
        status, _, data, _, received = self.client.request(method, rel, headers, body)
        after = {l["token"] for l in alive_locks(received)}
        for lock in before:
            if lock["token"] in after and any(touches(lock, *t) for t in touched):
                ok = status is None or status >= 300 or (status == 207 and b"423" in data)
                lost_unless(lock, T.check(ok, f"{self.client.name}: tokenless {method} /{rel} -> {status} despite "
                                              f"{lock['owner']}'s live lock on /{lock['root']}: the lock was lost"))

    def random_step(self):
        rng, c = self.rng, self.client
        op = rng.choices(["PUT", "GET", "DELETE", "MKCOL", "COPY", "MOVE", "PROPFIND", "LOCK"],
                         [20, 20, 8, 6, 8, 8, 10, 8])[0]
        rel = rng.choice(PATHS)
        if op == "PUT":
            self.seq += 1
            self.guarded("PUT", rel, [(rel, False, False)], body=make_body(f"{c.name}-{self.seq}", rng))
        elif op == "GET":
            status, headers, data, _, _ = c.request("GET", rel)
            if status == 200 and not headers.get("content-type", "").startswith("text/html"):
                T.check(body_id(data) is not None, f"{c.name}: GET /{rel}: torn or unknown body ({len(data)} bytes)")
        elif op in ("DELETE", "MKCOL"):
            self.guarded(op, rel, [(rel, op == "DELETE", True)])
        elif op in ("COPY", "MOVE"):
            dst = rng.choice([p for p in PATHS if p.count("/") == rel.count("/") and p != rel])
            headers = {"Destination": f"http://127.0.0.1:{c.port}/{dst}", "Overwrite": rng.choice("TF")}
            self.guarded(op, rel, [(dst, True, False)] + ([(rel, True, True)] if op == "MOVE" else []), headers)
        elif op == "PROPFIND":
            rel = rng.choice(PATHS + [""])
            status, _, data, _, _ = c.request("PROPFIND", rel, {"Depth": "1", "Content-Type": "application/xml"})
            if status == 207:
                self.check_listing(rel, data)
        elif op == "LOCK" and not self.held:
            self.take_lock(rel, rng.choice(["0", "infinity"]), rng.randrange(3, 11))

    def check_listing(self, rel, data):
        try:
            hrefs = [entry[0] for entry in listing(data)]
        except (ET.ParseError, TypeError, ValueError) as e:
            return T.check(False, f"{self.client.name}: PROPFIND /{rel}: unparsable multistatus ({e})")
        T.check(len(hrefs) == len(set(hrefs)), f"PROPFIND /{rel}: an href listed twice: {sorted(hrefs)}")
        T.check(all(h in CREATABLE and (h == rel or parent(h) == rel) for h in hrefs),
                f"PROPFIND /{rel}: lists a member no client made: {sorted(hrefs)}")
        T.check(rel in hrefs, f"PROPFIND /{rel}: the collection itself is missing from {sorted(hrefs)}")

    def take_lock(self, rel, depth, seconds):
        before = alive_locks(time.monotonic())
        status, token, sent, received = self.client.lock(rel, depth, seconds, self.client.name)
        after = {l["token"] for l in alive_locks(received)}
        if status not in (200, 201):
            return
        for lock in before:
            if lock["token"] in after and touches(lock, rel, depth == "infinity", False):
                lost_unless(lock, T.check(False, f"{self.client.name}: LOCK /{rel} granted over {lock['owner']}'s "
                                                 f"live lock on /{lock['root']}: the lock was lost"))
        T.check(bool(token), f"LOCK /{rel}: no Lock-Token")
        self.held = {"root": rel, "infinite": depth == "infinity", "token": token, "released": False, "lost": False,
                     "until": sent + seconds - 1.0, "seconds": seconds, "owner": self.client.name}
        with LOCKS_MUTEX:
            LOCKS[token] = self.held

    def release(self, how):
        held, self.held, self.mine, c = self.held, None, {}, self.client
        held["released"] = True
        if how != "DELETE" or c.request("DELETE", held["root"], {"If": f"(<{held['token']}>)"})[0] not in (204, 404):
            status, _, _, _, received = c.request("UNLOCK", held["root"], {"Lock-Token": f"<{held['token']}>"})
            T.check(status == 204 or received >= held["until"] or how == "DELETE" or held["lost"],
                    f"{c.name}: UNLOCK /{held['root']} of its live lock -> {status}: the lock was lost")
        with LOCKS_MUTEX:
            LOCKS.pop(held["token"], None)

    def holder_step(self):
        held, rng, c = self.held, self.rng, self.client
        if time.monotonic() > held["until"] or held["lost"]:
            return self.release("UNLOCK")
        action = rng.choice(["refresh", "put", "put", "get", "unlock", "delete"])
        target = held["root"] + ("/" + rng.choice(LEVEL2) if held["infinite"] and "/" not in held["root"] else "")
        token = {"If": f"(<{held['token']}>)"}
        if action == "refresh":
            refresh = {**token, "Timeout": f"Second-{held['seconds']}"}
            status, _, _, sent, received = c.request("LOCK", held["root"], refresh)
            lost_unless(held, T.check(status == 200 or received >= held["until"] or held["lost"], f"{c.name}: "
                                      f"refresh of its live lock on /{held['root']} -> {status}: the lock was lost"))
            if status == 200:
                held["until"] = max(held["until"], sent + held["seconds"] - 1.0)
            else:
                self.release("UNLOCK")
        elif action == "put":
            self.seq += 1
            ident = f"{c.name}-{self.seq}"
            status, _, _, _, received = c.request("PUT", target, token, make_body(ident, rng))
            self.mine.pop(target, None)
            if received >= held["until"] or held["lost"]:
                return
            if status in (412, 423):  # a 423 another lock explains (its parent's, being created) is no loss
                with LOCKS_MUTEX:
                    others = [l for l in LOCKS.values() if l is not held]
                explained = status == 423 and any(touches(l, target, False, True) for l in others)
                lost_unless(held, T.check(explained, f"{c.name}: PUT /{target} with the token of its live lock on "
                                                     f"/{held['root']} -> {status}: the lock was lost"))
            elif status in (201, 204):
                lost_unless(held, T.check(status == 204 or target != held["root"],
                                          f"{c.name}: PUT /{target} -> 201: the file it had locked was gone"))
                self.mine[target] = ident
        elif action == "get" and target in self.mine:
            status, _, data, _, received = c.request("GET", target)
            if received < held["until"] and not held["lost"]:
                lost_unless(held, T.check(status == 200 and body_id(data) == self.mine[target],
                                          f"{c.name}: GET /{target} under its live lock -> {status}, body "
                                          f"{body_id(data)!r}, not its own {self.mine[target]!r} (written "
                                          f"without the token, or a stale read)"))
        elif action == "delete" and not held["infinite"]:
            self.release("DELETE")
        elif action == "unlock":
            self.release("UNLOCK")


def random_phase(port, root):
    budget = itertools.count()  # next() on it is atomic under the GIL
    workers = [Worker(port, n, budget, time.monotonic() + SECONDS) for n in range(WORKERS)]
    for w in workers:
        w.start()
    for w in workers:
        w.join(timeout=SECONDS + 120)
        T.check(not w.is_alive(), f"{w.client.name} did not finish")
    c = Client(port, "final")
    for here, dirs, files in os.walk(root):
        rel = os.path.relpath(here, root).replace(os.sep, "/").strip(".")
        disk = {(rel, True, None)} | {(f"{rel}/{d}".strip("/"), True, None) for d in dirs}
        for name in files:
            T.check(not name.startswith(".keepdav-tmp-"), f"a temporary file was left behind: /{rel}/{name}")
            with open(os.path.join(here, name), "rb") as f:
                data = f.read()
            T.check(body_id(data) is not None, f"on disk /{rel}/{name}: torn or unknown body")
            disk.add((f"{rel}/{name}".strip("/"), False, len(data)))
        status, _, data, _, _ = c.request("PROPFIND", rel, {"Depth": "1"})
        listed = set(listing(data)) if status == 207 else set()
        T.check(listed == disk, f"final PROPFIND /{rel} disagrees with the disk: listed only "
                                f"{sorted(listed - disk)}, on disk only {sorted(disk - listed)}")
    c.close()


# ---- targeted races --------------------------------------------------------------------------------------
def together(*fires):
    """Sends the primed requests' last bytes from threads of their own, released together by a Barrier."""
    barrier = threading.Barrier(len(fires))
    with concurrent.futures.ThreadPoolExecutor(len(fires)) as pool:
        return list(pool.map(lambda fire: (barrier.wait(timeout=60), fire())[1], fires))


class Races:
    def __init__(self, port, root):
        self.port, self.root, self.rng = port, root, random.Random(7)
        self.c = [Client(port, f"r{i}") for i in range(8)]

    def file_at(self, rel, data=b""):
        os.makedirs(os.path.join(self.root, parent(rel)), exist_ok=True)
        with open(os.path.join(self.root, rel), "wb") as f:
            f.write(data)

    def kept(self, holder, rel, status, token):
        """After a race: True if a granted lock is alive with its file, False if not, None if not granted."""
        if status not in (200, 201):
            return None
        ok = os.path.isfile(os.path.join(self.root, rel)) and holder.request(
            "LOCK", rel, {"If": f"(<{token}>)", "Timeout": "Second-60"})[0] == 200
        holder.request("UNLOCK", rel, {"Lock-Token": f"<{token}>"}, check=False)
        return ok

    def tally(self, name, ok, what):
        rounds, bad = T.races.get(name, (0, 0))
        T.races[name] = (rounds + 1, bad + (not T.check(ok, f"race {name}: {what}")))

    def write_vs_lock(self, i, method):  # (a) and (b): serialised, the LOCK is 201 after the write or 423s it
        rel = f"r{method}/f{i}"
        self.file_at(rel)
        headers = {"Destination": f"http://127.0.0.1:{self.port}/r{method}/g{i}"} if method == "MOVE" else {}
        (w, *_), (l, token, *_) = together(self.c[0].prime(method, rel, headers),
                                           self.c[1].prime_lock(rel, "0", 60, "race"))
        kept = self.kept(self.c[1], rel, l, token)
        ok = kept is not False and not (l == 200 and w in (201, 204))
        self.tally(f"{'a' if method == 'DELETE' else 'b'} {method} vs LOCK", ok,
                   f"round {i}: {method} {w}, LOCK {l}, the lock kept with its file: {kept}")

    def many_locks(self, i):  # (c)
        rel = f"rc/n{i}"
        os.makedirs(os.path.join(self.root, "rc"), exist_ok=True)
        got = together(*[self.c[k].prime_lock(rel, "0", 60, f"c{k}") for k in range(8)])
        winners = [g for g in got if g[0] in (200, 201)]
        kept = len(winners) == 1 and self.kept(self.c[got.index(winners[0])], rel, winners[0][0], winners[0][1])
        statuses = sorted(g[0] or 0 for g in got)
        self.tally("c 8 LOCKs of one unmapped URL", kept and statuses.count(423) == 7,
                   f"round {i}: statuses {statuses}, the winner's lock kept with its file: {kept}")

    def member_vs_collection(self, i):  # (d)
        coll = f"rd{i}"
        for k in range(200):
            self.file_at(f"{coll}/m{k}", b"m")
        rel = f"{coll}/m{self.rng.randrange(200)}"
        (d, *_), (l, token, *_) = together(self.c[0].prime("DELETE", coll),
                                           self.c[1].prime_lock(rel, "0", 60, "d", self.rng.random() * 0.004))
        gone = not os.path.exists(os.path.join(self.root, coll))
        kept = self.kept(self.c[1], rel, l, token)
        self.tally("d LOCK member vs DELETE collection", kept is True or (kept is None and gone), f"round {i}: "
                   f"DELETE {d}, LOCK /{rel} {l}; the lock kept with its file: {kept}, collection gone: {gone}")
        shutil.rmtree(os.path.join(self.root, coll), ignore_errors=True)

    def put_body_after_lock(self, i):  # (e)
        rel, ident = f"re/f{i}", f"e-{i}"
        self.file_at(rel)
        body = make_body(ident, self.rng)
        put = Client(self.port, "put")
        # The header only; the server's 100 Continue says it has read and checked it.
        fire_put = put.prime("PUT", rel, {"Expect": "100-continue"}, body=body, hold=len(body))
        interim = b""
        while put.sock is not None and not interim.endswith(b"\r\n\r\n"):
            byte = put.sock.recv(1)  # the socket's 30 s timeout bounds the wait
            if not byte:
                break
            interim += byte
        with concurrent.futures.ThreadPoolExecutor(1) as pool:
            locking = pool.submit(self.c[1].lock, rel, "0", 60, "e")
            # A server may hold the LOCK until the PUT ends: then their order is its own.
            lock_first = concurrent.futures.wait([locking], timeout=1.0).done != set()
            p = fire_put()[0]
            put.close()
            l, token = locking.result()[:2]
        with open(os.path.join(self.root, rel), "rb") as f:
            overwritten = body_id(f.read()) == ident
        kept = self.kept(self.c[1], rel, l, token)
        ok = kept is not False and not (lock_first and l in (200, 201) and (p in (201, 204) or overwritten))
        self.tally("e PUT body after LOCK", ok, f"round {i}: LOCK {l} (before the body: {lock_first}), PUT {p}, "
                                               f"the locked file overwritten: {overwritten}, the lock kept: {kept}")

    def run(self):
        for i in range(ROUNDS):
            self.write_vs_lock(i, "DELETE")
            self.write_vs_lock(i, "MOVE")
            self.many_locks(i)
            self.member_vs_collection(i)
            self.put_body_after_lock(i)
        for client in self.c:
            client.close()


def main():
    base = tempfile.mkdtemp(prefix="keepdav-concurrency-")
    servers = []
    try:
        for name in ("random", "races"):
            os.makedirs(os.path.join(base, name))
            servers.append(Server(os.path.join(base, name)))
        started = time.monotonic()
        random_phase(servers[0].port, os.path.join(base, "random"))
        violations = len(T.violations)
        print(f"random phase: {WORKERS} clients, {time.monotonic() - started:.1f} s, {sum(T.ops.values())} "
              f"operations, {T.checks} checks, {violations} violations; by method, statuses:")
        for method, n in sorted(T.ops.items()):
            spread = ", ".join(f"{s}:{k}" for (m, s), k in sorted(T.statuses.items()) if m == method)
            print(f"  {method:8} {n:7}   {spread}")
        Races(servers[1].port, os.path.join(base, "races")).run()
        for name, (rounds, bad) in T.races.items():
            print(f"race {name}: {bad} violations in {rounds} rounds")
        for s in servers:
            T.check(s.proc.poll() is None, "the server is still running at the end")
    finally:
        for s in servers:
            s.stop()
        shutil.rmtree(base, ignore_errors=True)
    print(f"{T.checks - len(T.violations)} passed, {len(T.violations)} failed")
    return 1 if T.violations else 0


if __name__ == "__main__":
    sys.exit(main())
