#!/usr/bin/env python3
"""One TLS connection kept through long waits: a request held well past every server timeout and the
client's own read timeout, kept alive by 102s, then more requests on the same connection get their
answers (a PUT whose body is read after the wait, and a GET of what it stored).

keepdav runs with --tls-cert/--tls-key, --test-hooks (Keepdav-Delay holds a request), and header,
body, idle and write timeouts of 1 s: a hold of 2.5 s would be cut by any of them that ran during it.
The client is Python's ssl module over a raw socket, so the bytes on the wire are the test's own.
Needs KEEPDAV_BIN and openssl.
"""
import os
import shutil
import socket
import ssl
import subprocess
import sys
import tempfile
import time

BIN = os.environ["KEEPDAV_BIN"]
READ_TIMEOUT = 1.0  # the client's: longer than the 102 interval, shorter than the hold
HOLD = 2.5
failures = []


def check(condition, what):
    print(("ok:   " if condition else "FAIL: ") + what, flush=True)
    if not condition:
        failures.append(what)


class Responses:
    """Reads HTTP/1.1 responses from one TLS socket: every 1xx, then the final one with its body."""

    def __init__(self, sock):
        self.sock, self.buffer = sock, b""

    def _fill(self, deadline):
        if time.monotonic() > deadline:
            raise TimeoutError("no complete response before the deadline")
        chunk = self.sock.recv(65536)  # raises socket.timeout after READ_TIMEOUT of silence
        if not chunk:
            raise ConnectionError("the server closed the connection")
        self.buffer += chunk

    def next(self, deadline_s=30):
        """(interim statuses with their times, final status, final headers, body, longest silence)."""
        deadline = time.monotonic() + deadline_s
        interims, last, longest = [], time.monotonic(), 0.0
        while True:
            while b"\r\n\r\n" not in self.buffer:
                self._fill(deadline)
                now = time.monotonic()
                longest, last = max(longest, now - last), now
            head, self.buffer = self.buffer.split(b"\r\n\r\n", 1)
            lines = head.decode("latin-1").split("\r\n")
            status = int(lines[0].split(" ")[1])
            headers = {k.strip().lower(): v.strip() for k, v in (l.split(":", 1) for l in lines[1:])}
            if 100 <= status < 200:
                interims.append(status)
                continue
            length = int(headers.get("content-length", "0"))
            while len(self.buffer) < length:
                self._fill(deadline)
            body, self.buffer = self.buffer[:length], self.buffer[length:]
            return interims, status, headers, body, longest


def main():
    work = tempfile.mkdtemp(prefix="keepdav-tls_reuse.")
    root, keys = os.path.join(work, "root"), os.path.join(work, "keys")
    os.makedirs(root)
    os.makedirs(keys)
    with open(os.path.join(root, "a.txt"), "w") as f:
        f.write("hello over TLS\n")
    cert, key = os.path.join(keys, "cert.pem"), os.path.join(keys, "key.pem")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", cert,
                    "-days", "2", "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"],
                   check=True, capture_output=True)
    log = open(os.path.join(work, "server.log"), "w+")
    server = subprocess.Popen([BIN, "--root", root, "--listen", "127.0.0.1:0", "--state-dir", "none",
                               "--tls-cert", cert, "--tls-key", key, "--test-hooks",
                               "--header-timeout", "1", "--body-timeout", "1", "--idle-timeout", "1",
                               "--write-timeout", "1"],
                              stdout=subprocess.PIPE, stderr=log, text=True)
    try:
        line = server.stdout.readline().strip()  # the readiness line: bound, accepting
        assert line.startswith("listening on "), f"keepdav did not start: {line!r}"
        port = int(line.rsplit(":", 1)[1])
        context = ssl.create_default_context(cafile=cert)
        raw = socket.create_connection(("127.0.0.1", port), timeout=READ_TIMEOUT)
        tls = context.wrap_socket(raw, server_hostname="127.0.0.1")
        tls.settimeout(READ_TIMEOUT)
        responses = Responses(tls)
        hold = f"Keepdav-Delay: {HOLD}\r\nKeepdav-Interim-Interval: 0.2\r\n"

        # 1. A GET held for 2.5 s: 102s keep the client's 1 s read timeout from firing.
        started = time.monotonic()
        tls.sendall(f"GET /a.txt HTTP/1.1\r\nHost: 127.0.0.1\r\n{hold}\r\n".encode())
        interims, status, _, body, longest = responses.next()
        took = time.monotonic() - started
        check(status == 200 and body == b"hello over TLS\n", f"held GET: {status}, {body!r}")
        check(took >= HOLD, f"the GET was held {took:.2f} s (asked {HOLD} s)")
        check(len(interims) >= 5 and set(interims) == {102}, f"{len(interims)} 102s during the hold")
        check(longest < READ_TIMEOUT, f"longest silence {longest:.2f} s, under the client's read timeout")

        # 2. Same connection: a PUT, itself held, whose body is read after the long wait.
        payload = os.urandom(200000)
        tls.sendall(f"PUT /b.bin HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: {len(payload)}\r\n{hold}\r\n".encode()
                    + payload)
        interims, status, _, _, _ = responses.next()
        check(status == 201, f"PUT on the reused TLS connection: {status}")
        check(len(interims) >= 5, f"{len(interims)} 102s during the PUT's hold")

        # 3. Same connection, no hold: what the PUT stored.
        tls.sendall(b"GET /b.bin HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        _, status, headers, body, _ = responses.next()
        check(status == 200 and body == payload, f"GET of the stored body on the same connection: {status}")
        check(headers.get("connection", "").lower() != "close", "the server keeps the connection open")
        check(responses.buffer == b"", "nothing unread or unexpected on the connection")
        tls.close()
    except (OSError, TimeoutError, ValueError, AssertionError) as e:  # socket.timeout is an OSError
        check(False, f"{type(e).__name__}: {e}")
    finally:
        server.terminate()
        try:
            code = server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
            code = server.wait()
        log.seek(0)
        logged = log.read()
        log.close()
        shutil.rmtree(work, ignore_errors=True)
    check(code == 0, f"keepdav exited {code} on SIGTERM")
    check("timed out" not in logged and "timeout" not in logged.lower(), "no timeout in the server's log")
    if failures:
        print("--- server log ---\n" + logged)
        print(f"{len(failures)} checks failed")
        sys.exit(1)
    print("tls_reuse: all checks passed")


if __name__ == "__main__":
    main()
