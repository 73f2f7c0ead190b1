#!/usr/bin/env python3
"""Hostile input over a real socket: every class must end in a 4xx (or a closed connection), quickly,
with nothing read or written outside the root, and the server still serving afterwards.

Classes: path escapes (every encoding of "..", NUL, backslash, absolute-form, symlinks out of the
root), Destination escapes, XML attacks (entity expansion, external entities, deep nesting, huge
bodies), malformed HTTP (garbage, conflicting Content-Length, bad chunking, oversized headers),
a slow-header client, and the connection cap. Needs KEEPDAV_BIN.
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
SECRET = "TOP-SECRET-OUTSIDE-THE-ROOT"
failures = []


def check(condition, what):
    print(("ok:   " if condition else "FAIL: ") + what, flush=True)
    if not condition:
        failures.append(what)


class Server:
    def __init__(self, root, *options):
        self.log = tempfile.TemporaryFile()
        self.proc = subprocess.Popen([BIN, "--root", root, "--listen", "127.0.0.1:0", "--state-dir", "none", *options],
                                     stdout=subprocess.PIPE, stderr=self.log, text=True)
        line = self.proc.stdout.readline().strip()
        assert line.startswith("listening on "), line
        self.port = int(line.rsplit(":", 1)[1])

    def rss_kb(self):
        with open(f"/proc/{self.proc.pid}/status") as f:
            return next(int(l.split()[1]) for l in f if l.startswith("VmRSS"))

    def stop(self):
        self.proc.terminate()
        self.proc.wait(timeout=40)


def exchange(port, data, timeout=5.0):
    """Sends raw bytes; returns (all bytes received until close or timeout, seconds, closed by server)."""
    s = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    started = time.monotonic()
    try:
        s.sendall(data)
    except OSError:
        pass
    received, closed = b"", False
    try:
        while True:
            chunk = s.recv(65536)
            if not chunk:
                closed = True
                break
            received += chunk
    except socket.timeout:
        pass
    except OSError:
        closed = True
    s.close()
    return received, time.monotonic() - started, closed


def status_of(response):
    try:
        return int(response.split(b" ", 2)[1])
    except (IndexError, ValueError):
        return None


def request(method, target, headers=(), body=b"", version="1.1"):
    head = f"{method} {target} HTTP/{version}\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
    head += "".join(f"{k}: {v}\r\n" for k, v in headers)
    if body:
        head += f"Content-Length: {len(body)}\r\n"
    return head.encode() + b"\r\n" + body


def still_serving(port, what):
    response, _, _ = exchange(port, request("GET", "/inside.txt"))
    check(status_of(response) == 200 and response.endswith(b"inside"), f"server still serves after {what}")


def main():
    resource.setrlimit(resource.RLIMIT_NOFILE, (4096, resource.getrlimit(resource.RLIMIT_NOFILE)[1]))
    base = tempfile.mkdtemp(prefix="keepdav-hostile-")
    root, outside = os.path.join(base, "root"), os.path.join(base, "outside")
    os.makedirs(os.path.join(root, "dir"))
    os.makedirs(outside)
    with open(os.path.join(outside, "secret.txt"), "w") as f:
        f.write(SECRET)
    with open(os.path.join(root, "inside.txt"), "w") as f:
        f.write("inside")
    os.symlink(outside, os.path.join(root, "link-out"))
    os.symlink(os.path.join(outside, "secret.txt"), os.path.join(root, "file-out"))
    server = Server(root, "--header-timeout", "1", "--max-connections", "64", "--max-xml-body", "1048576")
    port = server.port
    try:
        # ---- path escapes ---------------------------------------------------------------------------
        for target in ["/../outside/secret.txt", "/%2e%2e/outside/secret.txt", "/%2E%2E/outside/secret.txt",
                       "/dir/../../outside/secret.txt", "/%252e%252e/outside/secret.txt", "/dir%2f..%2f..%2foutside/secret.txt",
                       "/..%5c..%5coutside%5csecret.txt", "/..\\..\\outside\\secret.txt", "/inside.txt%00.png",
                       "http://127.0.0.1/../outside/secret.txt", "/link-out/secret.txt", "/file-out",
                       "//../outside/secret.txt", "/./../outside/secret.txt"]:
            for method in ["GET", "PROPFIND", "DELETE"]:
                response, took, _ = exchange(port, request(method, target))
                status = status_of(response)
                # DELETE of a symlink inside the root removes the link, never what it points to.
                allowed = (400, 403, 404, 204) if (method, target) == ("DELETE", "/file-out") else (400, 403, 404)
                check(status in allowed and SECRET.encode() not in response and took < 2,
                      f"{method} {target} -> {status}")
        check(os.path.exists(os.path.join(outside, "secret.txt")), "nothing outside the root was deleted")
        for target in ["/link-out/new.txt", "/%2e%2e/outside/new.txt", "/../outside/new.txt"]:
            response, _, _ = exchange(port, request("PUT", target, body=b"x"))
            check(status_of(response) in (400, 403, 404, 409), f"PUT {target} -> {status_of(response)}")
            response, _, _ = exchange(port, request("MKCOL", target))
            check(status_of(response) in (400, 403, 404, 409), f"MKCOL {target} -> {status_of(response)}")
        check(sorted(os.listdir(outside)) == ["secret.txt"], "nothing was written outside the root")

        # ---- Destination escapes ---------------------------------------------------------------------
        for destination, wanted in [("/../outside/copy.txt", (400,)), ("/%2e%2e/outside/copy.txt", (400,)),
                                    ("http://127.0.0.1/../outside/copy.txt", (400,)), ("http://evil.example/x", (502,)),
                                    ("/link-out/copy.txt", (403, 409)), ("ftp://127.0.0.1/x", (502,)),
                                    ("/dir%2f..%2f..%2foutside%2fcopy.txt", (400,))]:
            for method in ["COPY", "MOVE"]:
                response, _, _ = exchange(port, request(method, "/inside.txt", [("Destination", destination)]))
                check(status_of(response) in wanted, f"{method} to {destination} -> {status_of(response)}")
        check(sorted(os.listdir(outside)) == ["secret.txt"] and os.path.exists(os.path.join(root, "inside.txt")),
              "no COPY/MOVE reached outside the root")

        # ---- XML attacks -----------------------------------------------------------------------------
        laughs = '<?xml version="1.0"?><!DOCTYPE d [<!ENTITY a "aaaaaaaaaa">' + "".join(
            f'<!ENTITY {chr(98 + i)} "{("&" + chr(97 + i) + ";") * 10}">' for i in range(9)) + \
            ']><D:propfind xmlns:D="DAV:"><D:prop><D:getetag/>&j;</D:prop></D:propfind>'
        external = '<?xml version="1.0"?><!DOCTYPE d [<!ENTITY x SYSTEM "file://' + outside + \
                   '/secret.txt">]><D:propertyupdate xmlns:D="DAV:"><D:set><D:prop><Z:p xmlns:Z="urn:z">&x;</Z:p>' \
                   '</D:prop></D:set></D:propertyupdate>'
        deep = '<D:propfind xmlns:D="DAV:"><D:prop>' + "<a>" * 100000 + "</a>" * 100000 + "</D:prop></D:propfind>"
        before = server.rss_kb()
        for name, method, body, wanted in [("billion laughs", "PROPFIND", laughs, (207, 400)),
                                           ("external entity", "PROPPATCH", external, (207, 400)),
                                           ("100,000 levels deep", "PROPFIND", deep, (400,)),
                                           ("20 MB body", "PROPFIND", "<a>" + "x" * (20 << 20) + "</a>", (413,))]:
            response, took, _ = exchange(port, request(method, "/inside.txt", [("Depth", "0")], body.encode()), timeout=10)
            check(status_of(response) in wanted and took < 2 and SECRET.encode() not in response,
                  f"{name}: {status_of(response)} in {took:.2f}s")
        response, _, _ = exchange(port, request("PROPFIND", "/inside.txt", [("Depth", "0")]))
        check(SECRET.encode() not in response, "no external entity content was stored")
        check(server.rss_kb() - before < 64 * 1024, f"memory stayed bounded ({(server.rss_kb() - before) // 1024} MiB growth)")
        still_serving(port, "XML attacks")

        # ---- malformed HTTP --------------------------------------------------------------------------
        for name, data, wanted in [
            ("garbage bytes", b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03 garbage\r\n\r\n", (400,)),
            ("no HTTP version", b"GET /inside.txt\r\n\r\n", (400,)),
            ("conflicting Content-Length", b"PUT /x HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\nContent-Length: 7\r\n\r\nhello", (400,)),
            ("Content-Length and chunked", b"PUT /x HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n", (400,)),
            ("bad chunk size", b"PUT /x HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nhello\r\n0\r\n\r\n", (400,)),
            ("header without colon", b"GET / HTTP/1.1\r\nHost h\r\n\r\n", (400,)),
            ("100 KB header", b"GET / HTTP/1.1\r\nHost: h\r\nX-Big: " + b"a" * 100000 + b"\r\n\r\n", (431,)),
            ("negative Content-Length", b"PUT /x HTTP/1.1\r\nHost: h\r\nContent-Length: -1\r\n\r\n", (400,)),
        ]:
            response, took, closed = exchange(port, data)
            check(status_of(response) in wanted and closed and took < 2, f"{name}: {status_of(response)}, closed={closed}")
        check(not os.path.exists(os.path.join(root, "x")), "no malformed PUT created a file")
        still_serving(port, "malformed HTTP")

        # ---- a client that dribbles its header is cut off (--header-timeout 1) ------------------------
        s = socket.create_connection(("127.0.0.1", port))
        s.settimeout(0.05)
        started = time.monotonic()
        cut = False
        for byte in b"GET /inside.txt HTTP/1.1\r\nHost: h\r\nX-Slow: " + b"s" * 60:
            try:
                s.send(bytes([byte]))
                s.recv(100)  # the server answered or closed: either way the client was cut off
                cut = True
                break
            except socket.timeout:
                pass
            except OSError:
                cut = True
                break
            if time.monotonic() - started > 5:
                break
            time.sleep(0.1)  # the scenario itself: a client that sends one byte every 0.1 s
        took = time.monotonic() - started
        s.close()
        check(cut and took < 3.5, f"a slow header is cut off after {took:.1f}s (header timeout 1 s)")
        still_serving(port, "a slow client")

        # ---- the connection cap answers 503 beyond it --------------------------------------------------
        # Each of the 64 is answered once and kept alive: an answer proves the server has accepted
        # and counted it (no guessed pause for the accepts).
        idle = []
        for _ in range(64):
            s = socket.create_connection(("127.0.0.1", port), timeout=5)
            s.sendall(b"GET /inside.txt HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
            answer = b""
            while not answer.endswith(b"inside"):
                chunk = s.recv(4096)
                if not chunk:
                    break
                answer += chunk
            idle.append((s, status_of(answer)))
        check(all(status == 200 for _, status in idle), "64 kept-alive connections each answered 200")
        response, _, closed = exchange(port, request("GET", "/inside.txt"))
        check(status_of(response) == 503 and closed, f"connection 65 of 64: {status_of(response)}")
        for s, _ in idle:
            s.close()
        # The server frees the slots as it sees each close: poll for a 200 (each 503 meanwhile is closed).
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            response, _, _ = exchange(port, request("GET", "/inside.txt"))
            if status_of(response) == 200:
                break
            time.sleep(0.01)  # the pace of the poll, not a wait for the event: the deadline bounds it
        still_serving(port, "the connection cap")
    finally:
        server.stop()
        server.log.seek(0)
        log = server.log.read().decode(errors="replace")
        shutil.rmtree(base, ignore_errors=True)
    if failures:
        print("--- server log (tail) ---\n" + "\n".join(log.splitlines()[-30:]))
        print(f"{len(failures)} hostile-input checks failed")
        sys.exit(1)
    print("hostile: all checks passed")


if __name__ == "__main__":
    main()
