#!/usr/bin/env python3
"""A storm of wrong passwords against keepdav, and what an honest client sees meanwhile (not in CI).

For each bcrypt cost and throttle setting: keepdav serves one file behind --auth-file; an attacker
connecting from 127.0.0.2 (a real other peer address on loopback) opens a connection every 1/RATE s
and sends a wrong password, whatever became of the previous ones; an honest client on 127.0.0.1
keeps one connection and GETs the file with the right password every 20 ms (its credentials
checked once, before the measurement). Prints the honest GETs' p50/p99/max latency and how the
attacker's requests were answered.

    tests/bench/login_storm.py --keepdav build-release/keepdav [--costs 10,12] [--throttle on,off]
        [--rate 100] [--seconds 10] [--label NAME]

--throttle na runs a keepdav that has no --max-login-failures (main before it existed).
"""
import argparse
import asyncio
import base64
import os
import statistics
import subprocess
import sys
import tempfile
import time


def basic(user, password):
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


async def request(reader, writer, auth):
    writer.write(f"GET /a.txt HTTP/1.1\r\nHost: bench\r\nAuthorization: {auth}\r\n\r\n".encode())
    await writer.drain()
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head.split(b" ", 2)[1])
    length = 0
    for line in head.split(b"\r\n"):
        if line.lower().startswith(b"content-length:"):
            length = int(line.split(b":", 1)[1])
    if length:
        await reader.readexactly(length)
    return status


async def honest(port, stop, latencies):
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    auth = basic("alice", "correct horse")
    assert await request(reader, writer, auth) == 200  # the one bcrypt check, before measuring
    while not stop.is_set():
        started = time.perf_counter()
        status = await request(reader, writer, auth)
        latencies.append(time.perf_counter() - started)
        assert status == 200, status
        await asyncio.sleep(0.02)
    writer.close()


async def one_guess(port, n, outcomes):
    try:
        reader, writer = await asyncio.open_connection("127.0.0.1", port, local_addr=("127.0.0.2", 0))
        status = await asyncio.wait_for(request(reader, writer, basic("alice", f"guess{n}")), 30)
        outcomes[status] = outcomes.get(status, 0) + 1
        writer.close()
    except Exception as e:  # refused, reset, timed out: counted by kind
        outcomes[type(e).__name__] = outcomes.get(type(e).__name__, 0) + 1


async def storm(port, rate, seconds, outcomes):
    tasks = []
    start = time.perf_counter()
    n = 0
    while time.perf_counter() - start < seconds:
        tasks.append(asyncio.create_task(one_guess(port, n, outcomes)))
        n += 1
        await asyncio.sleep(max(0, start + n / rate - time.perf_counter()))
    return tasks


async def run_one(port, rate, seconds):
    latencies, outcomes = [], {}
    stop = asyncio.Event()
    client = asyncio.create_task(honest(port, stop, latencies))
    await asyncio.sleep(0.5)
    latencies.clear()  # steady state only
    tasks = await storm(port, rate, seconds, outcomes)
    stop.set()
    await client
    for t in tasks:
        t.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    return latencies, outcomes


def start_server(binary, root, users, throttle):
    args = [binary, "--root", root, "--listen", "127.0.0.1:0", "--state-dir", "none", "--auth-file", users,
            "--access-log", "off", "--shutdown-grace", "1"]
    if throttle == "on":
        args += ["--max-login-failures", "10"]
    elif throttle == "off":
        args += ["--max-login-failures", "0"]
    proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    line = proc.stdout.readline()
    if not line.startswith("listening on"):
        proc.kill()
        sys.exit(f"keepdav did not start: {line!r}")
    return proc, int(line.rsplit(":", 1)[1])


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--keepdav", required=True)
    p.add_argument("--costs", default="10,12")
    p.add_argument("--throttle", default="on,off")
    p.add_argument("--rate", type=float, default=100)
    p.add_argument("--seconds", type=float, default=10)
    p.add_argument("--label", default="")
    a = p.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = os.path.join(tmp, "root")
        os.mkdir(root)
        with open(os.path.join(root, "a.txt"), "wb") as f:
            f.write(os.urandom(4096))
        print(f"{'build':<10} {'cost':>4} {'throttle':>8} {'GETs':>5} {'p50 ms':>8} {'p99 ms':>8} {'max ms':>8}  attacker's answers")
        for cost in a.costs.split(","):
            users = os.path.join(tmp, f"users{cost}")
            subprocess.run(["htpasswd", "-B", "-C", cost, "-b", "-c", users, "alice", "correct horse"], check=True,
                           stderr=subprocess.DEVNULL)
            for throttle in a.throttle.split(","):
                proc, port = start_server(a.keepdav, root, users, throttle)
                try:
                    latencies, outcomes = asyncio.run(run_one(port, a.rate, a.seconds))
                finally:
                    proc.terminate()
                    proc.wait()
                q = statistics.quantiles(latencies, n=100, method="inclusive")
                print(f"{a.label:<10} {cost:>4} {throttle:>8} {len(latencies):>5} {q[49] * 1000:>8.2f} {q[98] * 1000:>8.2f} "
                      f"{max(latencies) * 1000:>8.2f}  {dict(sorted(outcomes.items(), key=str))}", flush=True)


if __name__ == "__main__":
    main()
