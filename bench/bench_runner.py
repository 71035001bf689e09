"""Runner overhead vs a hand-written Playwright script: same pages, same 60 actions.

    .venv/bin/python bench/bench_runner.py [--rounds 5]

For each screenshot policy, alternates (raw script, runner) in one process on one
browser, a fresh context each time, and prints median times and the ratio runner/raw.
The runner runs exactly as ``bots run`` runs it (Runner with a run folder, log.jsonl,
run.json, report.html, trace kept on failure). With ``every_step`` the raw script also
takes the same JPEG viewport pictures at the same points as the runner — one per screen
state, right before each click and at the end (the runner's steps on a screen share that
picture) — so the ratio measures the runner's own overhead, not the cost of pictures both
sides take.
Targets: <= 1.05 for off / on_failure, <= 1.30 for every_step.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import threading
import time
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from loguru import logger
from playwright.sync_api import Page, sync_playwright

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bots.browser import launch_options  # noqa: E402
from bots.flow import load_flow  # noqa: E402
from bots.runner import Runner  # noqa: E402

ROUNDS_OF_ACTIONS = 10  # x 6 actions = 60 actions
# label → (screenshots, trace). The runner's default keeps a trace for failed runs, which
# means recording one always; the last row shows what that recording costs.
CONFIGS = {
    "off": ("off", "on_failure"),
    "on_failure": ("on_failure", "on_failure"),
    "every_step": ("every_step", "on_failure"),
    "off,trace=off": ("off", "off"),
}

SHELL = """<!doctype html><html><head><meta charset="utf-8"></head><body>
<h1>营账系统</h1><iframe id="main" src="form.html" style="width:1000px;height:600px"></iframe>
</body></html>"""

FORM = """<!doctype html><html><head><meta charset="utf-8"></head><body>
<label for="name">客户名称</label><input id="name">
<label for="phone">联系电话</label><input id="phone">
<label for="plan">计划</label><select id="plan"><option value="c">e9-C</option>
<option value="g">e9-G</option></select>
<label><input type="checkbox" id="evdo">EVDO上网</label>
<button id="save" onclick="document.getElementById('out').textContent =
  document.getElementById('name').value + '/' + document.getElementById('plan').value">保存</button>
<div id="out"></div>
</body></html>"""

SELECTORS = """pages:
  form:
    frame: "iframe#main"
    elements:
      name: {label: 客户名称}
      phone: {label: 联系电话, sensitive: true}
      plan: {label: 计划}
      evdo: {role: checkbox, name: EVDO上网}
      save: {role: button, name: 保存}
      out: {css: "#out"}
"""


def flow_yaml() -> str:
    steps = ["  - id: open\n    goto: shell.html\n"]
    for i in range(ROUNDS_OF_ACTIONS):
        plan = "e9-G" if i % 2 else "e9-C"
        value = "g" if i % 2 else "c"
        steps.append(
            f'  - id: name{i}\n    fill: {{target: form.name, value: "客户{i}"}}\n'
            f'  - id: phone{i}\n    fill: {{target: form.phone, value: "${{{{ phone }}}}"}}\n'
            f"  - id: plan{i}\n    select: {{target: form.plan, label: {plan}}}\n"
            f"  - id: evdo{i}\n    {'uncheck' if i % 2 else 'check'}: form.evdo\n"
            f"  - id: save{i}\n    click: form.save\n"
            f'  - id: out{i}\n    assert: {{target: form.out, text: "客户{i}/{value}"}}\n'
        )
    return "inputs:\n  phone: {type: string, sensitive: true}\nsteps:\n" + "".join(steps)


def raw_script(page: Page, url: str, shots: Path | None) -> None:
    """What a person would write by hand with Playwright for the same 61 actions."""
    from playwright.sync_api import expect

    n = 0

    def shot() -> None:
        nonlocal n
        if shots is not None:
            n += 1
            page.screenshot(path=str(shots / f"{n:03d}.jpg"), type="jpeg", quality=60)

    page.goto(url + "shell.html", wait_until="domcontentloaded")
    frame = page.frame_locator("iframe#main")
    for i in range(ROUNDS_OF_ACTIONS):
        frame.get_by_label("客户名称", exact=True).fill(f"客户{i}")
        frame.get_by_label("联系电话", exact=True).fill("13800000000")
        frame.get_by_label("计划", exact=True).select_option(label="e9-G" if i % 2 else "e9-C")
        box = frame.get_by_role("checkbox", name="EVDO上网", exact=True)
        box.uncheck() if i % 2 else box.check()
        shot()  # the screen as the edits (and the last click) left it
        frame.get_by_role("button", name="保存", exact=True).click()
        expect(frame.locator("#out")).to_have_text(f"客户{i}/{'g' if i % 2 else 'c'}")
    shot()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=8)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="bench-runner-"))
    site = work / "site"
    (work / "flows").mkdir()
    (work / "selectors").mkdir()
    site.mkdir()
    (site / "shell.html").write_text(SHELL, encoding="utf-8")
    (site / "form.html").write_text(FORM, encoding="utf-8")
    (work / "selectors" / "form.yaml").write_text(SELECTORS, encoding="utf-8")
    (work / "flows" / "bench.yaml").write_text(flow_yaml(), encoding="utf-8")
    flow = load_flow(work / "flows" / "bench.yaml")
    actions = len(flow.steps)

    class Quiet(SimpleHTTPRequestHandler):
        def log_message(self, *a: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), partial(Quiet, directory=str(site)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}/"
    logger.remove()  # the console line per step is the CLI's; keep the terminal readable

    print(f"{actions} actions per run, {args.rounds} alternating rounds per policy")
    results = {}
    cpu: dict[str, tuple[list[float], list[float]]] = {p: ([], []) for p in CONFIGS}
    with sync_playwright() as pw:
        browser = pw.chromium.launch(**launch_options())  # type: ignore[arg-type]

        def timed_raw(policy: str, k: int) -> float:
            context = browser.new_context(viewport={"width": 1280, "height": 900})
            page = context.new_page()
            shots = None
            if CONFIGS[policy][0] == "every_step":
                shots = work / f"raw-{policy}-{k}"
                shots.mkdir()
            t0, c0 = time.perf_counter(), time.process_time()
            raw_script(page, url, shots)
            elapsed = time.perf_counter() - t0
            cpu[policy][0].append(time.process_time() - c0)
            context.close()
            return elapsed

        def timed_runner(label: str, k: int) -> float:
            screens, trace = CONFIGS[label]
            context = browser.new_context(viewport={"width": 1280, "height": 900})
            page = context.new_page()
            t0, c0 = time.perf_counter(), time.process_time()
            result = Runner(
                page,
                flow,
                {"phone": "13800000000"},
                portal_url=url,
                run_dir=work / f"run-{screens}-{trace}-{k}",
                screenshots=screens,
                trace=trace,
            ).run()
            elapsed = time.perf_counter() - t0
            cpu[label][1].append(time.process_time() - c0)
            context.close()
            if not result.ok:
                raise SystemExit(f"the runner failed: {result.error}")
            return elapsed

        for policy in CONFIGS:
            timed_raw(policy, -1)  # warm-up, not counted
            timed_runner(policy, -1)
            raw, ours = [], []
            for k in range(args.rounds):
                # ABBA order: neither side always runs on the warmer browser
                if k % 2:
                    ours.append(timed_runner(policy, k))
                    raw.append(timed_raw(policy, k))
                else:
                    raw.append(timed_raw(policy, k))
                    ours.append(timed_runner(policy, k))
            pairs = [o / r for o, r in zip(ours, raw, strict=True)]
            results[policy] = (
                statistics.median(raw),
                statistics.median(ours),
                statistics.median(pairs),
                min(ours) / min(raw),
            )
        browser.close()
    server.shutdown()
    targets = {"off": 1.05, "on_failure": 1.05, "every_step": 1.30, "off,trace=off": 1.05}
    # ratio: median of the per-round ratios (each runner run against the raw run next to
    # it, ABBA order, which cancels slow drifts of a shared machine); best: fastest vs
    # fastest. cpu: this Python process's CPU per run, i.e. the runner's own work (the
    # browser's work is the same on both sides and is not in it).
    print(
        f"{'policy':<14} {'raw ms':>8} {'runner ms':>10} {'ratio':>6} {'best':>6} {'target':>7}"
        f" {'':>6} {'cpu raw':>8} {'cpu runner':>10}"
    )
    for policy, (raw_s, ours_s, ratio, best) in results.items():
        verdict = "ok" if ratio <= targets[policy] else "MISSED"
        cpu_raw = statistics.median(cpu[policy][0][1:]) * 1000
        cpu_ours = statistics.median(cpu[policy][1][1:]) * 1000
        print(
            f"{policy:<14} {raw_s * 1000:8.0f} {ours_s * 1000:10.0f} {ratio:6.3f} {best:6.3f} "
            f"{targets[policy]:>7.2f} {verdict:>6} {cpu_raw:8.0f} {cpu_ours:10.0f}"
        )
    print(f"artifacts: {work}")


if __name__ == "__main__":
    main()
