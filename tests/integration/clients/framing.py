#!/usr/bin/env python3
"""RFC 9112 message framing over a real socket: every malformed or ambiguous request ends in a 4xx/5xx
and a closed connection, a request smuggled behind it never runs, oversized chunk extensions and
trailers neither crash the server nor grow its memory, and well-formed chunked and pipelined requests
still work. Each case: raw bytes on a fresh connection; checked are the status of each response, the
number of responses, whether the server closed the connection (EOF within 3 s), and on disk that
/smuggled-N was not created, /victim not deleted and /bad not created. Needs KEEPDAV_BIN.
"""
import collections
import itertools
import os
import select
import shutil
import socket
import subprocess
import sys
import tempfile
import time

BIN = os.environ["KEEPDAV_BIN"]
DEADLINE = 3.0            # seconds for the whole reply, EOF included, on each connection
SEND_DEADLINE = 15.0      # seconds for sending one case's bytes
# Memory the attacks may add to the idle process: the 64 MiB cases took 711 MB before the bounds; bounded,
# they add a few MiB. Measured from the process's own idle RSS, since a sanitizer build starts at ~150 MiB.
RSS_LIMIT_KB = 100 * 1024
PIECE = 64 * 1024
BAD, TOO_BIG, UNKNOWN_TE = (400,), (400, 431), (400, 501)
counts = {"passed": 0, "failed": 0}


def check(condition, what):
    print(("ok:   " if condition else "FAIL: ") + what, flush=True)
    counts["passed" if condition else "failed"] += 1


def server_env():
    """Under AddressSanitizer, freed blocks wait in a 256 MiB quarantine before reuse, so RSS there measures
    the sanitizer, not keepdav's bounds: a small quarantine keeps the RSS checks about the server."""
    env = dict(os.environ)
    if "ASAN_OPTIONS" in env:
        env["ASAN_OPTIONS"] += ":quarantine_size_mb=16"
    return env


class Server:
    def __init__(self, root):
        self.root, self.log = root, tempfile.TemporaryFile()
        self.peak_kb = 0  # the largest growth over idle RSS seen, over every process started
        self.start()

    def start(self):
        # One I/O thread: a connection that keeps the server busy shows in the next case's liveness probe.
        self.proc = subprocess.Popen([BIN, "--root", self.root, "--listen", "127.0.0.1:0", "--state-dir", "none",
                                      "--max-header-bytes", "8192", "--io-threads", "1"],
                                     stdout=subprocess.PIPE, stderr=self.log, text=True, env=server_env())
        line = self.proc.stdout.readline().strip()
        assert line.startswith("listening on "), line
        self.port = int(line.rsplit(":", 1)[1])
        self.idle_kb, peak = 0, self.peak_kb
        self.idle_kb, self.peak_kb = self.status_kb("VmRSS"), peak

    def status_kb(self, key):
        """VmRSS or VmHWM, less the RSS the process had when idle after start."""
        try:
            with open(f"/proc/{self.proc.pid}/status") as f:
                kb = next(int(l.split()[1]) for l in f if l.startswith(key + ":"))
        except (OSError, StopIteration):
            return 0
        kb = max(0, kb - self.idle_kb)
        self.peak_kb = max(self.peak_kb, kb)
        return kb

    def restart(self):
        """After a crash, or a hang (then killed): the next cases get a fresh server."""
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait()
        self.start()

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=40)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


Response = collections.namedtuple("Response", "status headers body")


def parse_responses(raw):
    """Splits raw bytes into final responses (1xx skipped); an incomplete or unparsable rest is left out."""
    out = []
    try:
        while raw:
            raw = parse_one(raw, out)
    except ValueError:
        pass
    return out


def parse_one(raw, out):
    """Appends the first response in raw to out and returns the bytes after it; ValueError if incomplete."""
    head, sep, rest = raw.partition(b"\r\n\r\n")
    if not sep:
        raise ValueError("incomplete header")
    lines = head.split(b"\r\n")
    try:
        status = int(lines[0].split(b" ", 2)[1])
    except (IndexError, ValueError):
        status = None
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(b":")
        headers[name.strip().lower().decode(errors="replace")] = value.strip().decode(errors="replace")
    if status is not None and 100 <= status < 200:
        return rest
    if "chunked" in headers.get("transfer-encoding", ""):
        body, tail = b"", rest
        while True:
            size_line, sep, tail = tail.partition(b"\r\n")
            if not sep:
                raise ValueError("incomplete body")
            size = int(size_line.split(b";")[0], 16)
            if size == 0:
                raw = tail[tail.index(b"\r\n\r\n") + 4:] if not tail.startswith(b"\r\n") else tail[2:]
                break
            body, tail = body + tail[:size], tail[size + 2:]
    else:
        length = int(headers.get("content-length", "0"))
        if len(rest) < length:
            raise ValueError("incomplete body")
        body, raw = rest[:length], rest[length:]
    out.append(Response(status, headers, body))
    return raw


def exchange(server, pieces, expected, must_close):
    """Sends the pieces (stops early once the server answers, closes or stops reading), then reads
    until EOF or DEADLINE, or until `expected` responses came when no close is required.
    Returns (responses, closed, peak RSS in kB seen while sending)."""
    try:
        s = socket.create_connection(("127.0.0.1", server.port), timeout=DEADLINE)
    except OSError:  # refused: the server is gone
        return [], False, 0
    peak, send_until = server.status_kb("VmRSS"), time.monotonic() + SEND_DEADLINE
    for i, piece in enumerate(pieces):
        if select.select([s], [], [], 0)[0] or time.monotonic() > send_until:
            break  # an answer (or EOF) already: the server has given up on this request
        try:
            s.sendall(piece)
        except OSError:  # BrokenPipe/ConnectionReset: the server closed early; a timeout: it stopped reading
            break
        if i % 16 == 0:
            peak = max(peak, server.status_kb("VmRSS"))
    raw, closed, ends = b"", False, time.monotonic() + DEADLINE
    while True:
        responses = parse_responses(raw)
        if len(responses) > expected or (len(responses) == expected and not must_close):
            break
        left = ends - time.monotonic()
        if left <= 0:
            break
        s.settimeout(left)
        try:
            data = s.recv(65536)
        except socket.timeout:
            break
        except OSError:
            closed = True
            break
        if not data:
            closed = True
            break
        raw += data
    s.close()
    return parse_responses(raw), closed, max(peak, server.status_kb("VmRSS"))


def answers_get(server):
    """Whether the server answers a GET on a fresh connection within DEADLINE."""
    responses, _, _ = exchange(server, [b"GET /a.txt HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"], 1, False)
    return [(r.status, r.body) for r in responses] == [(200, b"aaa")]


def smuggled(n):
    return (f"PUT /smuggled-{n} HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc"
            f"DELETE /victim HTTP/1.1\r\nHost: x\r\n\r\n").encode()


def put(headers, version="1.1"):
    return f"PUT /bad HTTP/{version}\r\n{headers}\r\n".encode()


CHUNKED = "Host: x\r\nTransfer-Encoding: chunked\r\n"


def streamed(head, filler, total, tail):
    """head, then `total` bytes of `filler` repeated (in PIECE-sized sends), then tail."""
    piece = filler * (PIECE // len(filler))
    return lambda: itertools.chain([head], itertools.repeat(piece, total // len(piece)), [tail])


Case = collections.namedtuple("Case", "name data want close smuggle check", defaults=(True, True, None))
MiB = 1 << 20
CASES = [
    # 1. huge trailer fields (std::length_error -> SIGABRT before the fix)
    Case("trailer field with a 70,000-byte value", put(CHUNKED) + b"3\r\nabc\r\n0\r\nX-Big: " + b"v" * 70000 + b"\r\n\r\n", [TOO_BIG]),
    Case("trailer field with a 70,000-byte name", put(CHUNKED) + b"3\r\nabc\r\n0\r\n" + b"N" * 70000 + b": v\r\n\r\n", [TOO_BIG]),
    # 2. huge chunk extensions
    Case("1 MiB chunk extension", put(CHUNKED) + b"3;ext=" + b"e" * MiB + b"\r\nabc\r\n0\r\n\r\n", [TOO_BIG]),
    Case("64 MiB chunk extension, streamed", streamed(put(CHUNKED) + b"3;ext=", b"e", 64 * MiB, b"\r\nabc\r\n0\r\n\r\n"), [TOO_BIG]),
    # 3. endless small trailer fields
    Case("64 MiB of small trailer fields, streamed", streamed(put(CHUNKED) + b"3\r\nabc\r\n0\r\n", b"X-a: b\r\n", 64 * MiB, b"\r\n"), [TOO_BIG]),
    # 4. Transfer-Encoding whose final coding is not chunked: as if the body were empty, or as if chunked
    *[Case(f"Transfer-Encoding: {te} (then {style})", put(f"Host: x\r\nTransfer-Encoding: {te}\r\n") + body, [UNKNOWN_TE])
      for te in ["xchunked", "identity", "gzip", "chunked, identity", "gzip, chunked"]
      for style, body in [("no body", b""), ("a chunked body", b"3\r\nabc\r\n0\r\n\r\n")]],
    # Content-Length spans exactly the chunked body: either framing alone would run the smuggled requests.
    Case("Transfer-Encoding: chunked and Content-Length",
         put(CHUNKED + "Content-Length: 15\r\n") + b"3\r\nabc\r\n0\r\n\r\n", [BAD]),
    Case("Transfer-Encoding in an HTTP/1.0 request",
         put("Host: x\r\nConnection: keep-alive\r\nTransfer-Encoding: chunked\r\n", "1.0") + b"3\r\nabc\r\n0\r\n\r\n", [BAD]),
    # 5. Host (RFC 9112 §3.2): 400, closing not required; OPTIONS *
    Case("HTTP/1.1 request without Host", b"GET /victim HTTP/1.1\r\n\r\n", [BAD], None, False),
    Case("two Host fields", b"GET /victim HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", [BAD], None, False),
    Case("OPTIONS * with Host", b"OPTIONS * HTTP/1.1\r\nHost: x\r\n\r\n", [(200,)], None, False,
         lambda r: "1, 2" in r[0].headers.get("dav", "")),
    # 6. broken chunked framing
    Case("chunk size 'zz'", put(CHUNKED) + b"zz\r\nabc\r\n0\r\n\r\n", [BAD]),
    Case("chunk size over 64 bits", put(CHUNKED) + b"ffffffffffffffffff\r\nabc\r\n0\r\n\r\n", [BAD]),
    Case("no CRLF after chunk data", put(CHUNKED) + b"3\r\nabcXY0\r\n\r\n", [BAD]),
    # 7. header over --max-header-bytes 8192
    Case("20 KB header", put("Host: x\r\nContent-Length: 3\r\nX-Big: " + "h" * 20000 + "\r\n") + b"abc", [(431,)]),
    # 8. well-formed controls: no smuggling, the connection stays usable
    Case("chunked PUT with a small trailer, then a pipelined GET",
         b"PUT /chunked.txt HTTP/1.1\r\n" + CHUNKED.encode() + b"Trailer: X-Checksum\r\n\r\n"
         b"5\r\nhello\r\n6\r\n world\r\n0\r\nX-Checksum: abc\r\n\r\n"
         b"GET /chunked.txt HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", [(201, 204), (200,)], True, False,
         lambda r: r[1].body == b"hello world"),
    Case("two pipelined GETs answered in order",
         b"GET /a.txt HTTP/1.1\r\nHost: x\r\n\r\nGET /b.txt HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
         [(200,), (200,)], True, False, lambda r: (r[0].body, r[1].body) == (b"aaa", b"bbb")),
]


def run(server, n, case):
    root = server.root
    behind = smuggled(n) if case.smuggle else b""
    # Fixed bytes go in one send: the early stop in exchange() must never keep the smuggled part back.
    pieces = itertools.chain(case.data(), [behind]) if callable(case.data) else [case.data + behind]
    responses, closed, peak = exchange(server, pieces, len(case.want), case.close)
    statuses = [r.status for r in responses]
    status_ok = len(responses) == len(case.want) and all(s in w for s, w in zip(statuses, case.want))
    check(status_ok and (case.check is None or case.check(responses)),
          f"{case.name}: responses {statuses}, wanted {[list(w) for w in case.want]}")
    if case.close:
        check(closed, f"{case.name}: connection closed by the server")
    if case.smuggle:
        check(not os.path.exists(os.path.join(root, f"smuggled-{n}")) and os.path.exists(os.path.join(root, "victim")),
              f"{case.name}: the smuggled requests did not run")
        check(not os.path.exists(os.path.join(root, "bad")), f"{case.name}: the bad PUT stored nothing")
    if callable(case.data):
        check(peak < RSS_LIMIT_KB, f"{case.name}: RSS stayed bounded (peak {peak // 1024} MiB over idle)")
    alive = answers_get(server)
    if not alive:
        try:
            gone = f"exit status {server.proc.wait(timeout=DEADLINE)}"
        except subprocess.TimeoutExpired:
            gone = "hung"
    check(alive, f"{case.name}: server still answers a GET" + ("" if alive else f" ({gone})"))
    # Keep the cases independent: undo whatever a failure left behind, restart a dead server.
    for name in ("bad", f"smuggled-{n}"):
        if os.path.exists(os.path.join(root, name)):
            os.remove(os.path.join(root, name))
    if not os.path.exists(os.path.join(root, "victim")):
        with open(os.path.join(root, "victim"), "w") as f:
            f.write("victim")
    if not alive:
        server.restart()


def main():
    started = time.monotonic()
    base = tempfile.mkdtemp(prefix="keepdav-framing-")
    root = os.path.join(base, "root")
    os.makedirs(root)
    for name, text in [("victim", "victim"), ("a.txt", "aaa"), ("b.txt", "bbb")]:
        with open(os.path.join(root, name), "w") as f:
            f.write(text)
    server = Server(root)
    restarts = 0
    try:
        for n, case in enumerate(CASES):
            pid = server.proc.pid
            run(server, n, case)
            restarts += server.proc.pid != pid
        stored = os.path.join(root, "chunked.txt")
        check(os.path.isfile(stored) and open(stored, "rb").read() == b"hello world", "the chunked PUT body was stored intact")
        check(restarts == 0, f"the server never crashed or hung ({restarts} restarts)")
        check(server.proc.poll() is None and answers_get(server), "the server is alive and still serves a GET")
        server.status_kb("VmHWM")  # the last process's own peak joins peak_kb
        rss = server.status_kb("VmRSS")
        check(rss < RSS_LIMIT_KB and server.peak_kb < RSS_LIMIT_KB,
              f"RSS now {rss // 1024} MiB over idle, highest seen {server.peak_kb // 1024} MiB (< {RSS_LIMIT_KB // 1024} MiB)")
    finally:
        server.stop()
        server.log.seek(0)
        log = server.log.read().decode(errors="replace")
        shutil.rmtree(base, ignore_errors=True)
    if counts["failed"]:
        print("--- server log (tail) ---\n" + "\n".join(log.splitlines()[-30:]))
    print(f"framing: {time.monotonic() - started:.1f} s")
    print(f"{counts['passed']} passed, {counts['failed']} failed")
    sys.exit(1 if counts["failed"] else 0)


if __name__ == "__main__":
    main()
