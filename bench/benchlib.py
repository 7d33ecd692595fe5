"""Shared by bench/run and bench/shards: paths, the query mix, the corpus, and an incidex-serve
on a loopback port with its latency measured per request."""
import concurrent.futures
import http.client
import json
import os
import subprocess
import sys
import time
import urllib.parse

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.path.join(ROOT, "build", "bin")
WORK = os.path.join(ROOT, "build", "bench")

# The query mix: five classes, eight queries each (deterministic).
KEYWORDS = ["rocket", "drone", "missile", "Erbil", "coalition", "artillery", "Kataib", "ambush"]
SEVERAL = ["drone base", "rockets coalition forces", "missile air base", "security officials explosions",
           "armed factions escalation", "attack logistics hub", "troops withdrawal talks", "smoke explosions residents"]
PHRASES = ['"air base"', '"security officials"', '"logistics hub"', '"military outpost"', '"wider escalation"',
           '"monitoring group"', '"Telegram channel"', '"foreign troops"']
FILTERED = [("attack", "iq", "2016", "2019"), ("rocket", "sy", "2015", "2020"), ("drone", "iq", "2018", "2024"),
            ("missile", "ye", "2014", "2024"), ("attack", "sy", "2019", "2021"), ("base", "jo", "2014", "2024"),
            ("strike", "lb", "2016", "2023"), ("forces", "il", "2017", "2022")]
BROAD = ["officials", "attack", "region", "forces", "group", "said", "area", "coalition"]


def pct(values, p):
    if not values:
        return float("nan")
    s = sorted(values)
    k = (len(s) - 1) * p / 100.0
    lo, hi = int(k), min(int(k) + 1, len(s) - 1)
    return s[lo] + (s[hi] - s[lo]) * (k - lo)


def du(path):
    total = 0
    for base, _, files in os.walk(path):
        for f in files:
            total += os.path.getsize(os.path.join(base, f))
    return total if os.path.exists(path) else 0


def timed(cmd):
    t = time.monotonic()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.monotonic() - t


# ---------------------------------------------------------------- incidex
def incidex_requests():
    out = []
    for q in KEYWORDS:
        out.append(("a keyword", {"q": q}))
    for q in SEVERAL:
        out.append(("b several words", {"q": q}))
    for q in PHRASES:
        out.append(("c phrase", {"q": q}))
    for q, loc, lo, hi in FILTERED:
        out.append(("d filters+dates", {"q": q, "location": loc, "date_from": lo, "date_to": hi}))
    for q in BROAD:
        out.append(("e broad+histogram", {"q": q, "histogram": "month"}))
    return out


class Server:
    def __init__(self, db, binary=None):
        self.proc = subprocess.Popen([binary or os.path.join(BIN, "incidex-serve"), "--db", db, "--port", "0",
                                      "--web", "none", "--time-limit", "60"],
                                     stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        line = self.proc.stdout.readline()
        self.port = int(line.rsplit(":", 1)[1].strip().strip("/"))

    def rss_mb(self):
        with open(f"/proc/{self.proc.pid}/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
        return float("nan")

    def stop(self):
        self.proc.terminate()
        self.proc.wait()


def incidex_query(conn, params):
    path = "/api/search?" + urllib.parse.urlencode({**params, "per_page": 20})
    t = time.perf_counter()
    try:
        conn.request("GET", path)
        res = conn.getresponse()
    except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError):
        conn.close()  # an idle keep-alive connection was closed by the server: reconnect
        t = time.perf_counter()
        conn.request("GET", path)
        res = conn.getresponse()
    body = res.read()
    elapsed = time.perf_counter() - t
    if res.status != 200:
        raise RuntimeError(f"{path}: {res.status} {body[:200]}")
    return elapsed * 1000, json.loads(body)["total"]


def concurrent_load(fn, clients):
    """Runs fn(i) on `clients` threads at once (each returning a list of ms); all the ms and the queries/s."""
    start = time.monotonic()
    with concurrent.futures.ThreadPoolExecutor(clients) as ex:
        all_ms = [ms for part in ex.map(fn, range(clients)) for ms in part]
    return all_ms, len(all_ms) / (time.monotonic() - start)


def incidex_load(port, reqs, passes):
    """A client of concurrent_load: its own connection to incidex-serve, the mix `passes` times."""
    def client(_):
        c = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
        return [incidex_query(c, params)[0] for _ in range(passes) for _, params in reqs]
    return client


def corpus(n):
    """build/bench/corpus-N.jsonl, generated (deterministically) when missing."""
    os.makedirs(WORK, exist_ok=True)
    path = os.path.join(WORK, f"corpus-{n}.jsonl")
    if not os.path.exists(path):
        with open(path + ".tmp", "w") as out:
            subprocess.run([sys.executable, os.path.join(ROOT, "bench", "generate.py"), str(n)], stdout=out, check=True)
        os.replace(path + ".tmp", path)
    return path
