#!/usr/bin/env python3
"""Partial updates over a real socket, as a client drives them: PUT with Content-Range at the start,
middle and end of a file, past its end (416), a chunked body shorter than its range (400); sabre/dav's
PATCH with X-Update-Range (append, a suffix, the wrong Content-Type: 415); a locked file without its
token (423); If-Match that does not match (412); OPTIONS' advertisement. Then readers GET a 4 MiB file
in a loop while it takes PARTIAL_UPDATES (60) partial updates of 1 MiB and appends: every body read
must be one whole state the file passed through, never a mix. Needs KEEPDAV_BIN.
"""
import hashlib
import http.client
import os
import random
import shutil
import subprocess
import sys
import tempfile
import threading

BIN = os.environ["KEEPDAV_BIN"]
UPDATES = int(os.environ.get("PARTIAL_UPDATES", "60"))
PATCH_TYPE = "application/x-sabredav-partialupdate"
checks = {"passed": 0, "failed": 0}
LOCKINFO = ('<?xml version="1.0" encoding="utf-8"?><D:lockinfo xmlns:D="DAV:"><D:lockscope><D:exclusive/>'
            '</D:lockscope><D:locktype><D:write/></D:locktype></D:lockinfo>')


def check(condition, what):
    print(("ok:   " if condition else "FAIL: ") + what, flush=True)
    checks["passed" if condition else "failed"] += 1


class Client:
    def __init__(self, port):
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)

    def request(self, method, path, body=None, headers=None):
        self.conn.request(method, path, body=body, headers=headers or {})
        response = self.conn.getresponse()
        return response.status, dict(response.getheaders()), response.read()

    def get(self, path):
        return self.request("GET", path)[2]


def patch_headers(update_range, body, extra=None):
    headers = {"X-Update-Range": update_range, "Content-Type": PATCH_TYPE, "Content-Length": str(len(body))}
    headers.update(extra or {})
    return headers


def protocol_checks(c, root):
    status, _, _ = c.request("PUT", "/f.txt", b"1234567890")
    check(status == 201, f"PUT creates the file ({status})")
    for header, body, want, what in [
        ("bytes 0-1/*", b"ab", b"ab34567890", "the start"),
        ("bytes 4-5/10", b"CD", b"ab34CD7890", "the middle"),
        ("bytes 8-9/10", b"ef", b"ab34CD78ef", "the end"),
        ("bytes 10-12/*", b"ghi", b"ab34CD78efghi", "just past the end (it grows)"),
    ]:
        status, headers, _ = c.request("PUT", "/f.txt", body, {"Content-Range": header})
        got = c.get("/f.txt")
        check(status == 204 and got == want, f"PUT Content-Range: {header} updates {what} ({status}, {got!r})")
        check("ETag" not in headers, "no ETag after a partial PUT (RFC 9110 §9.3.4)")
    status, headers, _ = c.request("PUT", "/f.txt", b"zz", {"Content-Range": "bytes 20-21/*"})
    check(status == 416 and headers.get("Content-Range") == "bytes */13",
          f"a range past the end: 416 with the length ({status}, {headers.get('Content-Range')})")
    # Chunked: the body's length is known only once it is in.
    c.conn.request("PUT", "/f.txt", body=iter([b"x", b"y"]), headers={"Content-Range": "bytes 0-3/*"}, encode_chunked=True)
    response = c.conn.getresponse()
    response.read()
    check(response.status == 400, f"a chunked body shorter than its range: 400 ({response.status})")
    check(c.get("/f.txt") == b"ab34CD78efghi", "refusals left the file as it was")
    check(not [n for n in os.listdir(root) if n != "f.txt"], "no temporary file left behind")

    status, headers, _ = c.request("PATCH", "/f.txt", b"++", patch_headers("append", b"++"))
    _, head_headers, _ = c.request("HEAD", "/f.txt")
    check(status == 204 and c.get("/f.txt") == b"ab34CD78efghi++", f"PATCH append ({status})")
    check(headers.get("ETag") == head_headers.get("ETag"), "PATCH answers the new ETag (RFC 5789 §2)")
    status, _, _ = c.request("PATCH", "/f.txt", b"--", patch_headers("bytes=-3", b"--"))
    check(status == 204 and c.get("/f.txt") == b"ab34CD78efgh--+", f"PATCH bytes=-3 ({status})")
    status, headers, _ = c.request("PATCH", "/f.txt", b"x", {"X-Update-Range": "append", "Content-Type": "text/plain"})
    check(status == 415 and headers.get("Accept-Patch") == PATCH_TYPE, f"PATCH of another content type: 415 ({status})")
    status, _, _ = c.request("PATCH", "/none.txt", b"x", patch_headers("append", b"x"))
    check(status == 404, f"PATCH of a missing file: 404 ({status})")

    status, headers, _ = c.request("OPTIONS", "/")
    check("PATCH" in headers.get("Allow", "") and "sabredav-partialupdate" in headers.get("DAV", "")
          and headers.get("Accept-Patch") == PATCH_TYPE, f"OPTIONS advertises PATCH ({headers})")

    _, head_headers, _ = c.request("HEAD", "/f.txt")
    etag = head_headers["ETag"]
    status, _, _ = c.request("PUT", "/f.txt", b"!", {"Content-Range": "bytes 0-0/*", "If-Match": '"nope"'})
    check(status == 412, f"If-Match that does not match: 412 ({status})")
    status, _, _ = c.request("PATCH", "/f.txt", b"!", patch_headers("bytes=0-0", b"!", {"If-Match": etag}))
    check(status == 204 and c.get("/f.txt")[:1] == b"!", f"If-Match that matches: 204 ({status})")

    status, headers, _ = c.request("LOCK", "/f.txt", LOCKINFO.encode(), {"Content-Type": "application/xml"})
    token = headers.get("Lock-Token", "")
    check(status == 200 and token, f"LOCK ({status})")
    before = c.get("/f.txt")
    status, _, _ = c.request("PATCH", "/f.txt", b"?", patch_headers("append", b"?"))
    check(status == 423, f"PATCH of a locked file without its token: 423 ({status})")
    status, _, _ = c.request("PUT", "/f.txt", b"?", {"Content-Range": "bytes 0-0/*"})
    check(status == 423, f"partial PUT of a locked file without its token: 423 ({status})")
    check(c.get("/f.txt") == before, "the locked file is unchanged")
    status, _, _ = c.request("PATCH", "/f.txt", b"?", patch_headers("append", b"?", {"If": f"({token})"}))
    check(status == 204 and c.get("/f.txt") == before + b"?", f"with its token: 204 ({status})")
    c.request("UNLOCK", "/f.txt", None, {"Lock-Token": token})


def readers_never_see_a_mix(port):
    rng = random.Random(14)
    content = bytearray(rng.randbytes(4 << 20))
    writer = Client(port)
    status, _, _ = writer.request("PUT", "/big.bin", bytes(content))
    check(status == 201, f"PUT the 4 MiB file ({status})")
    states = {hashlib.sha256(content).hexdigest()}
    states_lock = threading.Lock()
    done = threading.Event()
    seen = {"reads": 0, "mixed": 0, "bad": 0}

    def reader():
        c = Client(port)
        while not done.is_set():
            status, _, body = c.request("GET", "/big.bin")
            digest = hashlib.sha256(body).hexdigest()
            with states_lock:
                seen["reads"] += 1
                if status != 200:
                    seen["bad"] += 1
                elif digest not in states:
                    seen["mixed"] += 1

    threads = [threading.Thread(target=reader) for _ in range(2)]
    for t in threads:
        t.start()
    statuses = []
    for i in range(UPDATES):
        piece = bytes([i % 251]) * (1 << 20)
        if i % 5 == 4:
            headers, offset = patch_headers("append", piece[:4096]), len(content)
            piece = piece[:4096]
            method = "PATCH"
        else:
            offset = rng.randrange(0, len(content) - len(piece))
            headers, method = {"Content-Range": f"bytes {offset}-{offset + len(piece) - 1}/*"}, "PUT"
        new = bytearray(content)
        new[offset:offset + len(piece)] = piece
        with states_lock:  # known before it can be read
            states.add(hashlib.sha256(new).hexdigest())
        status, _, _ = writer.request(method, "/big.bin", piece, headers)
        statuses.append(status)
        content = new
    done.set()
    for t in threads:
        t.join()
    check(all(s == 204 for s in statuses), f"{UPDATES} partial updates answered 204 ({set(statuses)})")
    check(writer.get("/big.bin") == bytes(content), "the file ends as the updates made it")
    check(seen["reads"] > 0 and seen["mixed"] == 0 and seen["bad"] == 0,
          f"{seen['reads']} GETs during the updates, each one whole state ({seen['mixed']} mixed, {seen['bad']} not 200)")


def main():
    root = tempfile.mkdtemp(prefix="keepdav-partial-")
    log = tempfile.TemporaryFile()
    proc = subprocess.Popen([BIN, "--root", root, "--listen", "127.0.0.1:0", "--state-dir", "none", "--access-log", "/dev/null"],
                            stdout=subprocess.PIPE, stderr=log, text=True)
    try:
        line = proc.stdout.readline().strip()
        assert line.startswith("listening on "), line
        port = int(line.rsplit(":", 1)[1])
        protocol_checks(Client(port), root)
        readers_never_see_a_mix(port)
        check(proc.poll() is None, "server still running")
    finally:
        proc.terminate()
        proc.wait(timeout=40)
        log.seek(0)
        errors = [l for l in log.read().decode(errors="replace").splitlines() if "error" in l.lower()]
        check(not errors, f"no errors logged ({errors[:3]})")
        shutil.rmtree(root, ignore_errors=True)
    print(f"{checks['passed']} passed, {checks['failed']} failed")
    sys.exit(1 if checks["failed"] else 0)


if __name__ == "__main__":
    main()
