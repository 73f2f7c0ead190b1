#!/usr/bin/env python3
"""Resumable uploads (draft-ietf-httpbis-resumable-upload-15) over real sockets: an upload whose client
closes mid-body three times and then finishes it, byte for byte; one resumed after a server restart;
offset retrieval and a mismatched offset; cancellation; expiry; --max-put-size; 104 progress while a
slow append runs; no 104 for HTTP/1.0 or a client that does not name the draft's interop version
(the final response still names the upload); and the Keepdav-Interim-Status test hook.
The client is a raw socket, so the bytes on the wire are the test's own. Needs KEEPDAV_BIN.
"""
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time

BIN = os.environ["KEEPDAV_BIN"]
INTEROP = "Upload-Draft-Interop-Version: 8\r\n"
failures = []


def check(condition, what):
    print(("ok:   " if condition else "FAIL: ") + what, flush=True)
    if not condition:
        failures.append(what)


class Server:
    def __init__(self, root, state, *extra):
        self.log = open(os.path.join(state + "-log"), "a+")
        self.proc = subprocess.Popen([BIN, "--root", root, "--listen", "127.0.0.1:0", "--state-dir", state,
                                      "--processing-interval", "0.2", "--test-hooks", *extra],
                                     stdout=subprocess.PIPE, stderr=self.log, text=True)
        line = self.proc.stdout.readline().strip()
        assert line.startswith("listening on "), f"keepdav did not start: {line!r}"
        self.port = int(line.rsplit(":", 1)[1])

    def stop(self):
        self.proc.terminate()
        try:
            return self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            return self.proc.wait()


class Conn:
    """One connection: send bytes, read responses (every 1xx with its headers, then the final one)."""

    def __init__(self, port):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=10)
        self.buffer = b""

    def send(self, data):
        self.sock.sendall(data)

    def _head(self):
        while b"\r\n\r\n" not in self.buffer:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise ConnectionError("the server closed the connection")
            self.buffer += chunk
        head, self.buffer = self.buffer.split(b"\r\n\r\n", 1)
        lines = head.decode("latin-1").split("\r\n")
        headers = {k.strip().lower(): v.strip() for k, v in (l.split(":", 1) for l in lines[1:])}
        return int(lines[0].split(" ")[1]), headers

    def interim(self):
        status, headers = self._head()
        assert 100 <= status < 200, f"expected an interim response, got {status}"
        return status, headers

    def response(self, method="GET"):
        """(list of (status, headers) interims, status, headers, body)."""
        interims = []
        while True:
            status, headers = self._head()
            if 100 <= status < 200:
                interims.append((status, headers))
                continue
            if headers.get("transfer-encoding", "").lower() == "chunked" and method != "HEAD":
                return interims, status, headers, self._chunked()
            length = 0 if method == "HEAD" or status in (204, 304) else int(headers.get("content-length", "0"))
            while len(self.buffer) < length:
                chunk = self.sock.recv(65536)
                if not chunk:
                    raise ConnectionError("closed mid-body")
                self.buffer += chunk
            body, self.buffer = self.buffer[:length], self.buffer[length:]
            return interims, status, headers, body

    def _chunked(self):
        body = b""
        while True:
            while b"\r\n" not in self.buffer:
                self._more()
            size_line, self.buffer = self.buffer.split(b"\r\n", 1)
            size = int(size_line.split(b";")[0], 16)
            while len(self.buffer) < size + 2:
                self._more()
            body, self.buffer = body + self.buffer[:size], self.buffer[size + 2:]
            if size == 0:
                return body

    def _more(self):
        chunk = self.sock.recv(65536)
        if not chunk:
            raise ConnectionError("closed mid-body")
        self.buffer += chunk

    def close(self):
        self.sock.close()


def request(port, method, target, headers="", body=b"", version="1.1"):
    c = Conn(port)
    c.send(f"{method} {target} HTTP/{version}\r\nHost: 127.0.0.1\r\n{headers}Content-Length: {len(body)}\r\n\r\n".encode() + body)
    result = c.response(method)
    c.close()
    return result


def path_of(location):
    return "/" + location.split("/", 3)[3]


def offset_of(port, target):
    """HEAD until it answers (the request the client just left may still be finishing on the server)."""
    _, status, headers, _ = request(port, "HEAD", target)
    return status, headers


def run(work):
    root, state = os.path.join(work, "root"), os.path.join(work, "state")
    os.makedirs(root)
    server = Server(root, state)
    port = server.port
    try:
        # 1. Three interruptions (the client closes mid-body), then the rest: the file is whole.
        payload = os.urandom(3 * 1024 * 1024 + 17)
        piece = 700 * 1024
        c = Conn(port)
        c.send(f"PUT /big.bin HTTP/1.1\r\nHost: 127.0.0.1\r\nUpload-Complete: ?1\r\n{INTEROP}"
               f"Content-Length: {len(payload)}\r\n\r\n".encode())
        status, headers = c.interim()
        check(status == 104 and "location" in headers, f"creation: 104 naming the upload ({status}, {headers})")
        check(headers.get("upload-draft-interop-version") == "8", "the 104 carries the interop version")
        upload = path_of(headers["location"])
        c.send(payload[:piece])
        c.close()
        check(not os.path.exists(os.path.join(root, "big.bin")), "nothing under the target's name yet")
        for attempt in range(2):
            status, headers = offset_of(port, upload)
            offset = int(headers.get("upload-offset", "-1"))
            check(status == 204 and 0 < offset <= (attempt + 1) * piece and headers.get("upload-complete") == "?0",
                  f"offset retrieval after interruption {attempt + 1}: {status}, offset {offset}")
            check(headers.get("cache-control") == "no-store" and "max-age=" in headers.get("upload-limit", ""),
                  f"offset retrieval is uncached and names the limits ({headers.get('upload-limit')})")
            c = Conn(port)
            c.send(f"PATCH {upload} HTTP/1.1\r\nHost: 127.0.0.1\r\nUpload-Complete: ?1\r\nUpload-Offset: {offset}\r\n"
                   f"Content-Type: application/partial-upload\r\n{INTEROP}Content-Length: {len(payload) - offset}\r\n\r\n".encode())
            c.send(payload[offset:offset + piece])
            c.close()
        status, headers = offset_of(port, upload)
        offset = int(headers.get("upload-offset", "-1"))
        check(status == 204 and offset > 0, f"offset after the third interruption: {offset}")
        _, status, headers, _ = request(port, "PATCH", upload,
                                        f"Upload-Complete: ?1\r\nUpload-Offset: {offset}\r\nContent-Type: application/partial-upload\r\n",
                                        payload[offset:])
        check(status == 201 and headers.get("upload-complete") == "?1", f"the last append commits: {status} {headers}")
        with open(os.path.join(root, "big.bin"), "rb") as f:
            check(f.read() == payload, "the stored file is the payload, byte for byte")
        status, headers = offset_of(port, upload)
        check(status == 204 and headers.get("upload-complete") == "?1" and headers.get("upload-offset") == str(len(payload)),
              f"a completed upload reports it, with its whole length as the offset ({headers.get('upload-offset')})")
        _, status, _, _ = request(port, "PATCH", upload, "Upload-Complete: ?1\r\nUpload-Offset: 5\r\nContent-Type: application/partial-upload\r\n", b"x")
        check(status == 400, f"a completed upload takes nothing more: {status}")

        _, status, headers, _ = request(port, "OPTIONS", "/")
        check("application/partial-upload" in headers.get("accept-patch", ""), f"OPTIONS names the append format (draft 4.1.4): {headers.get('accept-patch')}")

        # 2. Never listed, never served: the upload namespace is not the share's.
        _, status, _, body = request(port, "PROPFIND", "/", "Depth: 1\r\n")
        check(status == 207 and b"keepdav-uploads" not in body and b"big.bin" in body, "PROPFIND / lists no upload")
        _, status, _, _ = request(port, "GET", upload)
        check(status == 405, f"GET of an upload resource: {status}")

        # 3. Creation in pieces (Upload-Complete: ?0): 201 with Location; a wrong offset is 409.
        part = os.urandom(100000)
        _, status, headers, _ = request(port, "PUT", "/pieces.bin", f"Upload-Complete: ?0\r\nUpload-Length: {2 * len(part)}\r\n", part)
        check(status == 201 and "location" in headers and headers.get("upload-offset") == str(len(part)),
              f"creation with part of the body: {status} {headers}")
        pieces = path_of(headers["location"])
        _, status, headers, body = request(port, "PATCH", pieces, "Upload-Complete: ?0\r\nUpload-Offset: 3\r\nContent-Type: application/partial-upload\r\n", b"abc")
        check(status == 409 and headers.get("upload-offset") == str(len(part)) and b"mismatching-upload-offset" in body,
              f"a mismatched offset: {status}, expected offset {headers.get('upload-offset')}")
        _, status, headers, _ = request(port, "PATCH", pieces, "Upload-Complete: ?0\r\nUpload-Offset: 100000\r\nContent-Type: application/partial-upload\r\n", b"x" * 200001)
        check(status == 400, f"an append past the declared length: {status}")

        # 4. A restart: the upload survives it and finishes.
        check(server.stop() == 0, "keepdav exits 0 on SIGTERM")
        server = Server(root, state)
        port = server.port
        status, headers = offset_of(port, pieces)
        check(status == 204 and headers.get("upload-offset") == str(len(part)), f"after a restart the offset is kept: {headers}")
        _, status, headers, _ = request(port, "PATCH", pieces, f"Upload-Complete: ?1\r\nUpload-Offset: {len(part)}\r\nContent-Type: application/partial-upload\r\n", part[::-1])
        with open(os.path.join(root, "pieces.bin"), "rb") as f:
            check(status == 201 and f.read() == part + part[::-1], f"finished after the restart: {status}")

        # 5. Cancellation.
        _, status, headers, _ = request(port, "PUT", "/gone.bin", "Upload-Complete: ?0\r\n", b"abc")
        gone = path_of(headers["location"])
        _, status, _, _ = request(port, "DELETE", gone)
        check(status == 204, f"DELETE cancels: {status}")
        status, _ = offset_of(port, gone)
        check(status == 404 and not os.path.exists(os.path.join(root, "gone.bin")), f"then the upload is unknown: {status}")

        # 6. --max-put-size counts the whole upload; a 104 at once, then offsets while a slow append runs.
        check(server.stop() == 0, "keepdav exits 0 on SIGTERM")
        server = Server(root, state, "--max-put-size", "1000000", "--upload-expiry", "2")
        port = server.port
        _, status, headers, _ = request(port, "PUT", "/huge.bin", "Upload-Complete: ?0\r\nUpload-Length: 1000001\r\n")
        check(status == 413 and headers.get("upload-limit", "").startswith("max-size=1000000"), f"beyond --max-put-size: {status} {headers}")
        _, status, headers, _ = request(port, "PUT", "/slow.bin", "Upload-Complete: ?0\r\n")
        slow = path_of(headers["location"])
        chunk = 50000
        c = Conn(port)
        c.send(f"PATCH {slow} HTTP/1.1\r\nHost: 127.0.0.1\r\nUpload-Complete: ?1\r\nUpload-Offset: 0\r\n{INTEROP}"
               f"Content-Type: application/partial-upload\r\nContent-Length: {8 * chunk}\r\n\r\n".encode())
        for _ in range(8):
            c.send(b"s" * chunk)
            time.sleep(0.15)  # a slow client: the pace of the test's upload, not a wait for the server
        interims, status, headers, _ = c.response()
        c.close()
        offsets = [int(h["upload-offset"]) for s, h in interims if s == 104 and "upload-offset" in h]
        check(status == 201 and len(offsets) >= 3 and offsets == sorted(offsets) and all("location" not in h for _, h in interims),
              f"a slow append: {len(offsets)} 104s with growing offsets {offsets}, no Location, then {status}")

        # A client that waits for 100 Continue gets it first, then the 104 (draft §5), then sends.
        c = Conn(port)
        c.send(f"PUT /expect.bin HTTP/1.1\r\nHost: 127.0.0.1\r\nUpload-Complete: ?1\r\n{INTEROP}Expect: 100-continue\r\n"
               f"Content-Length: 5\r\n\r\n".encode())
        first, second = c.interim(), c.interim()
        c.send(b"hello")
        interims, status, _, _ = c.response()
        c.close()
        check(first[0] == 100 and second[0] == 104 and "location" in second[1] and status == 201,
              f"Expect: 100-continue: {first[0]}, then {second[0]}, then {status}")

        # 7. Who gets no 104: HTTP/1.0, and a client that does not name the interop version. The final
        # response still names the upload.
        c = Conn(port)
        c.send(f"PUT /old.bin HTTP/1.0\r\nHost: 127.0.0.1\r\nUpload-Complete: ?0\r\n{INTEROP}Content-Length: 3\r\n\r\nabc".encode())
        interims, status, headers, _ = c.response()
        c.close()
        check(not interims and status == 201 and "location" in headers, f"HTTP/1.0: no 1xx, {status} with Location")
        interims, status, headers, _ = request(port, "PUT", "/plain.bin", "Upload-Complete: ?0\r\n", b"abc")
        check(not interims and status == 201 and "location" in headers, f"no interop version: no 104, {status} with Location")

        # 8. Expiry (--upload-expiry 2): an untouched upload is forgotten.
        expiring = path_of(headers["location"])
        deadline = time.monotonic() + 10
        while offset_of(port, expiring)[0] == 204 and time.monotonic() < deadline:
            time.sleep(0.1)  # the pace of the poll; the deadline bounds the wait
        check(offset_of(port, expiring)[0] == 404, "an upload untouched past --upload-expiry is gone")

        # 9. The test hook: any 1xx as the periodic interim.
        interims, status, _, _ = request(port, "GET", "/big.bin", "Keepdav-Interim-Status: 104\r\nKeepdav-Interim-Count: 2\r\nKeepdav-Interim-Interval: 0.1\r\n")
        check(status == 200 and [s for s, _ in interims] == [104, 104], f"Keepdav-Interim-Status: 104: {[s for s, _ in interims]}")
        _, status, _, _ = request(port, "GET", "/big.bin", "Keepdav-Interim-Status: 101\r\nKeepdav-Interim-Count: 1\r\n")
        check(status == 400, f"Keepdav-Interim-Status: 101 is refused: {status}")
    finally:
        code = server.stop()
    check(code == 0, f"keepdav exited {code} on SIGTERM")


def main():
    work = tempfile.mkdtemp(prefix="keepdav-resumable-")
    try:
        run(work)
    except (OSError, AssertionError, ValueError, KeyError) as e:
        check(False, f"{type(e).__name__}: {e}")
        log = os.path.join(work, "state-log")
        if os.path.exists(log):
            print(open(log).read()[-3000:])
    finally:
        shutil.rmtree(work, ignore_errors=True)
    if failures:
        print(f"{len(failures)} check(s) failed")
        sys.exit(1)
    print("resumable: all checks passed")


if __name__ == "__main__":
    main()
