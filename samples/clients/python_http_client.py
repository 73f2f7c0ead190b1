#!/usr/bin/env python3
"""GET a request that keepdav holds for a while, sending 102 Processing every second.

    python3 samples/clients/python_http_client.py http://127.0.0.1:8080/README.txt [SECONDS]

(keepdav must run with --test-hooks.) First the pitfall: Python's http.client skips only
100 Continue, so it returns the first 102 as if it were the final response, with an empty body, and
the next request on that connection reads the following 102. Then the fix: a response class that
skips every 1xx (RFC 9110 §15.2 says clients must) and reports each one as it arrives.
"""
import http.client
import sys
import time
import urllib.parse

url = urllib.parse.urlsplit(sys.argv[1] if len(sys.argv) > 1 else "http://127.0.0.1:8080/README.txt")
hold = sys.argv[2] if len(sys.argv) > 2 else "5"
hooks = {"Keepdav-Delay": hold, "Keepdav-Interim-Interval": "1"}


def naive():
    conn = http.client.HTTPConnection(url.hostname, url.port, timeout=30)
    conn.request("GET", url.path, headers=hooks)
    response = conn.getresponse()
    body = response.read()
    print(f"naive http.client: status {response.status} {response.reason}, body {len(body)} bytes"
          + ("   <-- a 102 taken for the final response" if response.status == 102 else ""))
    conn.close()


class InterimAwareResponse(http.client.HTTPResponse):
    """Reads past every 1xx before the final response, keeping what it saw."""
    started = 0.0
    interims = []

    def _read_status(self):
        while True:
            version, status, reason = super()._read_status()
            reason = reason.strip()
            if 100 <= status < 200 and status != 101:  # 101 Switching Protocols ends HTTP
                headers = http.client.parse_headers(self.fp)
                InterimAwareResponse.interims.append((time.monotonic() - self.started, status, reason, headers))
                print(f"  +{time.monotonic() - self.started:.2f}s {status} {reason}", flush=True)
                continue
            return version, status, reason


def fixed():
    conn = http.client.HTTPConnection(url.hostname, url.port, timeout=3)  # shorter than the hold
    conn.response_class = InterimAwareResponse
    InterimAwareResponse.started = time.monotonic()
    conn.request("GET", url.path, headers=hooks)
    response = conn.getresponse()
    body = response.read()
    print(f"fixed http.client: status {response.status} {response.reason}, body {len(body)} bytes, "
          f"after {len(InterimAwareResponse.interims)} interim responses")
    # The connection is still in step: a second request on it gets its own answer.
    conn.request("GET", url.path)
    again = conn.getresponse()
    print(f"same connection, next request: status {again.status}, body {len(again.read())} bytes")
    conn.close()
    return response.status == 200 and again.status == 200 and len(InterimAwareResponse.interims) > 0


naive()
sys.exit(0 if fixed() else 1)
