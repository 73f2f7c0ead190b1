#!/usr/bin/env python3
"""Real HTTP/WebDAV clients against 102 Processing: which parse it, whose read timeout it keeps from
firing, whose kept-alive connection survives it. Prints a Markdown table (the README carries it).

    tools/client_matrix.py [--keepdav build/keepdav]

Starts keepdav with --test-hooks on 127.0.0.1 and a free port, serving a scratch directory, and runs
each client that is installed (curl, wget, Python http.client/urllib/requests, Node http/fetch,
Java HttpClient/HttpURLConnection, cadaver (neon), rclone (Go net/http)). Scenarios:

  parse      GET held by two 102s (Keepdav-Interim-Count: 2): does the client return 200 and the body?
  timeout    client read timeout 1 s, request held 3 s with a 102 every 0.4 s: does it complete?
             (control: the same request with Keepdav-Silent must time out, else the client has no
             read timeout to keep alive: "n/a")
  keepalive  the held request, then a plain one on the same connection: does the second get its answer?
"""
import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import textwrap
import time

BODY = "hello from keepdav\n"
HELD = {"Keepdav-Interim-Count": "2", "Keepdav-Interim-Interval": "0.2"}
LONG = {"Keepdav-Delay": "3", "Keepdav-Interim-Interval": "0.4"}
SILENT = {"Keepdav-Delay": "3", "Keepdav-Silent": "on"}


def run(cmd, timeout=20, **kw):
    """Runs a client; returns (exit code, stdout, stderr); a hang past `timeout` is exit code None."""
    try:
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, **kw)
        return p.returncode, p.stdout, p.stderr
    except subprocess.TimeoutExpired:
        return None, "", "hung"


def ok(result, expect=BODY, count=1):
    code, out, _ = result
    return code == 0 and out.count(expect) == count


# ---- clients: each returns results for (headers, read_timeout) or a keep-alive pair ---------------

def curl(url, headers, timeout):
    args = ["curl", "-s", "--fail"]
    for k, v in headers.items():
        args += ["-H", f"{k}: {v}"]
    if timeout:  # curl's closest to a read timeout: abort below 1 byte/s for `timeout` seconds
        args += ["--speed-limit", "1", "--speed-time", str(timeout)]
    return run(args + [url])


def curl_keepalive(url):
    args = ["curl", "-s", "--fail", "-H", "Keepdav-Interim-Count: 2", "-H", "Keepdav-Interim-Interval: 0.2", url,
            "--next", "-s", "--fail", url]
    return run(args)


def wget(url, headers, timeout):
    args = ["wget", "-q", "-O", "-", "--tries=1"]
    for k, v in headers.items():
        args += [f"--header={k}: {v}"]
    if timeout:
        args += [f"--read-timeout={timeout}"]
    return run(args + [url])


def wget_keepalive(url):
    return run(["wget", "-q", "-O", "-", "--tries=1", "--header=Keepdav-Interim-Count: 2",
                "--header=Keepdav-Interim-Interval: 0.2", url, url])


PY_HTTP_CLIENT = textwrap.dedent("""
    import http.client, json, sys, urllib.parse
    url, headers, timeout, twice = sys.argv[1], json.loads(sys.argv[2]), float(sys.argv[3]) or None, sys.argv[4] == "1"
    u = urllib.parse.urlsplit(url)
    c = http.client.HTTPConnection(u.hostname, u.port, timeout=timeout)
    c.request("GET", u.path, headers=headers)
    r = c.getresponse(); sys.stdout.write(r.read().decode()) if r.status == 200 else sys.exit(f"status {r.status}")
    if twice:
        c.request("GET", u.path); r = c.getresponse()
        sys.stdout.write(r.read().decode()) if r.status == 200 else sys.exit(f"second status {r.status}")
""")

PY_URLLIB = textwrap.dedent("""
    import json, sys, urllib.request
    url, headers, timeout = sys.argv[1], json.loads(sys.argv[2]), float(sys.argv[3]) or None
    r = urllib.request.urlopen(urllib.request.Request(url, headers=headers), timeout=timeout)
    sys.stdout.write(r.read().decode()) if r.status == 200 else sys.exit(f"status {r.status}")
""")

PY_REQUESTS = textwrap.dedent("""
    import json, sys, requests
    url, headers, timeout, twice = sys.argv[1], json.loads(sys.argv[2]), float(sys.argv[3]) or None, sys.argv[4] == "1"
    s = requests.Session()
    r = s.get(url, headers=headers, timeout=(5, timeout) if timeout else None)
    sys.stdout.write(r.text) if r.status_code == 200 else sys.exit(f"status {r.status_code}")
    if twice:
        r = s.get(url); sys.stdout.write(r.text) if r.status_code == 200 else sys.exit(f"second status {r.status_code}")
""")


def python(script):
    def client(url, headers, timeout, twice=False):
        return run([sys.executable, "-c", script, url, json.dumps(headers), str(timeout or 0), "1" if twice else "0"])
    return client


NODE_HTTP = textwrap.dedent("""
    const http = require('node:http');
    const [url, headers, timeout, twice] = [process.argv[1], JSON.parse(process.argv[2]), Number(process.argv[3]), process.argv[4] === '1'];
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    const get = (h) => new Promise((resolve, reject) => {
      const req = http.get(url, { headers: h, agent, timeout: timeout ? timeout * 1000 : undefined }, (res) => {
        let body = ''; res.on('data', (c) => body += c);
        res.on('end', () => res.statusCode === 200 ? resolve(body) : reject(new Error('status ' + res.statusCode)));
      });
      req.on('timeout', () => { req.destroy(new Error('timeout')); });
      req.on('error', reject);
    });
    (async () => {
      process.stdout.write(await get(headers));
      if (twice) process.stdout.write(await get({}));
      agent.destroy();
    })().catch((e) => { console.error(e.message); process.exit(1); });
""")

NODE_FETCH = textwrap.dedent("""
    const [url, headers, timeout, twice] = [process.argv[1], JSON.parse(process.argv[2]), Number(process.argv[3]), process.argv[4] === '1'];
    (async () => {
      for (const h of twice ? [headers, {}] : [headers]) {
        const r = await fetch(url, { headers: h });
        if (r.status !== 200) throw new Error('status ' + r.status);
        process.stdout.write(await r.text());
      }
    })().catch((e) => { console.error(e.message); process.exit(1); });
""")


def node(script):
    def client(url, headers, timeout, twice=False):
        return run(["node", "-e", script, url, json.dumps(headers), str(timeout or 0), "1" if twice else "0"])
    return client


JAVA = textwrap.dedent("""
    import java.net.*; import java.net.http.*; import java.time.Duration; import java.util.*;
    public class Probe {
      public static void main(String[] a) throws Exception {
        String url = a[0], kind = a[1]; int timeout = Integer.parseInt(a[2]); boolean twice = a[3].equals("1");
        Map<String, String> headers = new LinkedHashMap<>();
        for (int i = 4; i + 1 < a.length; i += 2) headers.put(a[i], a[i + 1]);
        if (kind.equals("httpclient")) {
          HttpClient c = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
          for (int n = 0; n < (twice ? 2 : 1); n++) {
            HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url));
            if (timeout > 0) b.timeout(Duration.ofSeconds(timeout));
            if (n == 0) headers.forEach(b::header);
            HttpResponse<String> r = c.send(b.build(), HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() != 200) { System.err.println("status " + r.statusCode()); System.exit(1); }
            System.out.print(r.body());
          }
        } else {
          for (int n = 0; n < (twice ? 2 : 1); n++) {
            HttpURLConnection c = (HttpURLConnection) new URL(url).openConnection();
            if (timeout > 0) c.setReadTimeout(timeout * 1000);
            if (n == 0) headers.forEach(c::setRequestProperty);
            int status = c.getResponseCode();
            if (status != 200) { System.err.println("status " + status); System.exit(1); }
            System.out.print(new String(c.getInputStream().readAllBytes()));
          }
        }
      }
    }
""")


def java(kind, source):
    def client(url, headers, timeout, twice=False):
        args = ["java", source, url, kind, str(timeout or 0), "1" if twice else "0"]
        for k, v in headers.items():
            args += [k, v]
        return run(args, timeout=25)
    return client


def rclone(url, headers, timeout):
    args = ["rclone", "cat", f":webdav,url='{url.rsplit('/', 1)[0]}/',vendor=other:{url.rsplit('/', 1)[1]}",
            "--retries", "1", "--low-level-retries", "1"]
    for k, v in headers.items():
        args += ["--header", f"{k}: {v}"]
    if timeout:
        args += ["--timeout", f"{timeout}s", "--contimeout", "5s"]
    return run(args, env={**os.environ, "RCLONE_CONFIG": "/dev/null"})


def cadaver_copy(base_url, root):
    """neon has no way to add headers: it meets 102 on a real COPY, slow enough to send several."""
    code, out, err = run(["cadaver", base_url + "/"], input="copy big big-copy\nls\nquit\n", timeout=60)
    copied = "Copying" in out and "succeeded" in out.split("Copying", 1)[1].split("\n", 1)[0]
    listed = "Listing collection" in out and "succeeded" in out.split("Listing collection", 1)[1].split("\n", 1)[0]
    shutil.rmtree(os.path.join(root, "big-copy"), ignore_errors=True)
    return copied, listed


# ---- the run ------------------------------------------------------------------------------------

def start_keepdav(binary, root, extra):
    p = subprocess.Popen([binary, "--root", root, "--listen", "127.0.0.1:0", "--state-dir", "none", "--test-hooks",
                          "--no-processing-for", "(?!)"] + extra,
                         stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    line = p.stdout.readline().strip()
    if not line.startswith("listening on "):
        p.kill()
        sys.exit("keepdav did not start")
    return p, "http://" + line[len("listening on "):]


def yes_no(value):
    return {True: "yes", False: "**no**", None: "n/a"}[value]


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--keepdav", default=os.path.join(os.path.dirname(__file__), "..", "build", "keepdav"))
    args = parser.parse_args()
    work = tempfile.mkdtemp(prefix="keepdav-matrix-")
    with open(os.path.join(work, "hello.txt"), "w") as f:
        f.write(BODY)
    java_source = os.path.join(work, "Probe.java")
    with open(java_source, "w") as f:
        f.write(JAVA)
    # The deny-list is off here ("(?!)" matches nothing): the point is to see what
    # each client does with 102.
    server, base = start_keepdav(args.keepdav, work, [])
    url = base + "/hello.txt"
    clients = []
    if shutil.which("curl"):
        clients.append(("curl CLI (libcurl)", curl, curl_keepalive))
    if shutil.which("wget"):
        clients.append(("wget", wget, wget_keepalive))
    for name, script in [("Python http.client", PY_HTTP_CLIENT), ("Python urllib.request", PY_URLLIB),
                         ("Python requests", PY_REQUESTS)]:
        if script is PY_REQUESTS and run([sys.executable, "-c", "import requests"])[0] != 0:
            continue
        c = python(script)
        keep = None if script is PY_URLLIB else (lambda u, c=c: c(u, HELD, 0, True))
        clients.append((name, c, keep))
    if shutil.which("node"):
        for name, script in [("Node.js http", NODE_HTTP), ("Node.js fetch (undici)", NODE_FETCH)]:
            c = node(script)
            clients.append((name, c, lambda u, c=c: c(u, HELD, 0, True)))
    if shutil.which("java"):
        for name, kind in [("Java HttpClient", "httpclient"), ("Java HttpURLConnection", "urlconnection")]:
            c = java(kind, java_source)
            clients.append((name, c, lambda u, c=c: c(u, HELD, 0, True)))
    if shutil.which("rclone"):
        clients.append(("rclone (Go net/http)", rclone, None))

    rows = []
    for name, client, keepalive in clients:
        started = time.monotonic()
        parsed = ok(client(url, HELD, 0))
        kept = ok(client(url, LONG, 1))
        control = client(url, SILENT, 1)
        has_read_timeout = not ok(control)
        timeout_cell = kept if has_read_timeout else None
        keep_cell = ok(keepalive(url), count=2) if keepalive and parsed else None
        rows.append((name, parsed, timeout_cell, keep_cell, time.monotonic() - started))
        print(f"  {name}: parse={parsed} timeout={timeout_cell} keepalive={keep_cell}", file=sys.stderr)
    server.terminate()
    server.wait()

    if shutil.which("cadaver"):
        os.makedirs(os.path.join(work, "big"))
        chunk = os.urandom(1 << 20)
        for i in range(256):
            with open(os.path.join(work, "big", f"f{i}.bin"), "wb") as f:
                f.write(chunk)
        server, base = start_keepdav(args.keepdav, work, ["--processing-after", "0.01", "--processing-interval", "0.01"])
        copied, listed = cadaver_copy(base, work)
        server.terminate()
        server.wait()
        rows.append(("cadaver 0.24 (neon), COPY with real 102s", copied, None, listed if copied else None, 0))
    shutil.rmtree(work, ignore_errors=True)

    print("| client | parses 102, gets the final response | 102 keeps its read timeout from firing | keep-alive connection survives |")
    print("|---|---|---|---|")
    for name, parsed, timeout_cell, keep_cell, _ in rows:
        print(f"| {name} | {yes_no(parsed)} | {yes_no(timeout_cell)} | {yes_no(keep_cell)} |")


if __name__ == "__main__":
    main()
