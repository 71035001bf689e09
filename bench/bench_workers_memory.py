"""Memory per added worker: one shared Chromium, N contexts each logged in to a small page.

    .venv/bin/python bench/bench_workers_memory.py [--contexts 1 2 4 8]

Each worker is what ``bots work`` runs per thread: its own Playwright (a Node driver
process) connected over CDP to the one Chromium, one context, one page, logged in. With
all N logged in, sums memory over this Python process and every process below it
(drivers, Chromium and its helpers/renderers): RSS (counts shared pages once per process,
so it overstates) and PSS (shares them out; the honest total). Prints a table and the
marginal cost per added worker, (total(N) - total(1)) / (N - 1). Target: <= 150 MB.
"""

from __future__ import annotations

import argparse
import os
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bots.browser import SharedChromium  # noqa: E402

LOGIN = (
    "<!doctype html><meta charset=utf-8><title>登录</title><form method=post action=/login>"
    "<label>工号 <input name=staff></label><label>密码 <input name=password type=password>"
    "</label><button>登录</button></form>"
)
HOME = "<!doctype html><meta charset=utf-8><title>首页</title><p id=welcome>欢迎</p>"


class Pages(BaseHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        pass

    def _send(self, body: str) -> None:
        data = body.encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self) -> None:  # noqa: N802
        self._send(LOGIN)

    def do_POST(self) -> None:  # noqa: N802
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        self._send(HOME)


def children() -> dict[int, list[int]]:
    tree: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:  # ended while we looked
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        tree.setdefault(ppid, []).append(int(entry.name))
    return tree


def memory_kb(pid: int) -> tuple[int, int]:
    """(RSS, PSS) of one process in kB, from smaps_rollup."""
    values = {"Rss:": 0, "Pss:": 0}
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            key, _, rest = line.partition(" ")
            if key in values:
                values[key] = int(rest.split()[0])
    except OSError:
        pass
    return values["Rss:"], values["Pss:"]


def kind(pid: int) -> str:
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return "gone"
    if pid == os.getpid():
        return "python"
    return "driver" if b"run-driver" in cmdline else "chromium"


def measure() -> dict[str, tuple[int, int]]:
    tree = children()
    seen, todo = [], [os.getpid()]
    while todo:
        pid = todo.pop()
        seen.append(pid)
        todo.extend(tree.get(pid, []))
    totals: dict[str, tuple[int, int]] = {}
    for pid in seen:
        rss, pss = memory_kb(pid)
        name = kind(pid)
        old = totals.get(name, (0, 0))
        totals[name] = (old[0] + rss, old[1] + pss)
    return totals


def logged_in(endpoint: str, url: str, ready: threading.Barrier, measured: threading.Event) -> None:
    with sync_playwright() as pw:
        browser = pw.chromium.connect_over_cdp(endpoint)
        context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
        page = context.new_page()
        page.goto(url)
        page.get_by_label("工号").fill("GH1001")
        page.get_by_label("密码").fill("secret")
        page.get_by_role("button", name="登录").click()
        page.wait_for_selector("#welcome")
        ready.wait()
        measured.wait()
        context.close()


def run(n: int, url: str) -> dict[str, tuple[int, int]]:
    with SharedChromium() as chromium:
        ready = threading.Barrier(n + 1)
        measured = threading.Event()
        threads = [
            threading.Thread(target=logged_in, args=(chromium.endpoint, url, ready, measured))
            for _ in range(n)
        ]
        for thread in threads:
            thread.start()
        ready.wait()
        totals = measure()
        measured.set()
        for thread in threads:
            thread.join()
    return totals


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--contexts", type=int, nargs="+", default=[1, 2, 4, 8])
    args = parser.parse_args()
    server = ThreadingHTTPServer(("127.0.0.1", 0), Pages)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}/login"
    mb = 1024
    print(f"{'contexts':>8} {'python':>8} {'drivers':>8} {'chromium':>9} "
          f"{'RSS MB':>8} {'PSS MB':>8} {'PSS/worker':>11}")  # fmt: skip
    first: float | None = None
    first_n = args.contexts[0]
    for n in args.contexts:
        totals = run(n, url)
        pss = {k: v[1] / mb for k, v in totals.items()}
        rss_total = sum(v[0] for v in totals.values()) / mb
        pss_total = sum(pss.values())
        if first is None:
            first = pss_total
        marginal = (pss_total - first) / (n - first_n) if n != first_n else float("nan")
        print(f"{n:>8} {pss.get('python', 0):>8.0f} {pss.get('driver', 0):>8.0f} "
              f"{pss.get('chromium', 0):>9.0f} {rss_total:>8.0f} {pss_total:>8.0f} "
              f"{marginal:>11.1f}")  # fmt: skip
    print(f"marginal PSS per added worker (vs {first_n} context): last column; target <= 150 MB")
    server.shutdown()


if __name__ == "__main__":
    main()
