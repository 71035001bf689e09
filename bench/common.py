"""Shared harness for the load benches and tests/load: the portal, the ledger, workers, and
the checker that decides, from the portal's own QA state, whether every order was entered
exactly once.

The checker (``check``) is the oracle. Per business reference it counts, in ``/qa/state``:

* orders whose remark carries ``业务参考:<ref>`` exactly (``rules.reference_in_remark``),
* collected fee sets: those orders whose every fee line is collected,
* special-fund deposits on the order's broadband access number (a renewal's from the order,
  a new install's from the broadband service its portal order created),

and sorts each reference into ``ok`` (done in the ledger with exactly one of each, fees and
deposit as the rules say, the ledger's order number the portal's), ``parked`` (failed or
needs_review with a reason: an operator has it) or ``lost`` (everything else: done with
missing or wrong effects, failed without a reason, still open, or never in the ledger).
Any count above one is a duplicate, whatever the ledger says.
"""

from __future__ import annotations

import json
import os
import platform
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import IO, Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bots.orders import rules  # noqa: E402
from mock_portal.process import PortalProcess  # noqa: E402

FLOWS = ROOT / "flows"
FAULT_ENV = "BOTS_FAULT_KILL"  # bots.runner.runner: the QA kill switch
PARKED_STATES = ("failed", "needs_review", "cancelled")
OPEN_STATES = ("pending", "running", "retry_wait")
STAFF_COUNT = 16


# --------------------------------------------------------------------------- the checker


@dataclass(frozen=True)
class LedgerRow:
    """What the checker needs from a work item."""

    reference: str
    procedure: str  # new_install | renewal
    state: str
    reason: str = ""
    access_number: str | None = None  # a renewal's broadband user, from the order
    outputs: Mapping[str, Any] = field(default_factory=dict)
    attempts: int = 0

    @classmethod
    def from_item(cls, item: Any) -> LedgerRow:
        payload = item.payload or {}
        broadband = payload.get("broadband") or {}
        return cls(
            reference=item.reference,
            procedure=str(payload.get("procedure", "")),
            state=str(getattr(item.state, "value", item.state)),
            reason=item.reason,
            access_number=broadband.get("access_number") or None,
            outputs=dict(item.outputs or {}),
            attempts=item.attempts,
        )


@dataclass
class Effects:
    """What the portal holds for one reference."""

    orders: list[str] = field(default_factory=list)  # order numbers
    collected: list[str] = field(default_factory=list)  # orders with every fee line collected
    wrong_fees: list[str] = field(default_factory=list)  # orders whose fees differ from rules
    access_numbers: list[str] = field(default_factory=list)
    deposits: list[str] = field(default_factory=list)  # serial numbers
    wrong_deposits: list[str] = field(default_factory=list)  # type/ledger/amount not per rules


@dataclass
class Verdict:
    reference: str
    state: str  # the ledger's state, or "absent"
    reason: str
    effects: Effects
    duplicates: list[str]  # e.g. "2 orders"
    missing: list[str]  # for a done item: what the portal lacks or holds wrongly
    outcome: str  # ok | parked | lost
    why: str = ""  # for lost: why


@dataclass
class Check:
    verdicts: dict[str, Verdict]
    orphans: dict[str, list[str]]  # references in the portal but not in the ledger → orders
    unreferenced: list[str]  # portal orders whose remark names no reference

    def refs(self, outcome: str) -> list[str]:
        return [r for r, v in self.verdicts.items() if v.outcome == outcome]

    @property
    def done(self) -> list[str]:
        return self.refs("ok")

    @property
    def parked(self) -> list[str]:
        return self.refs("parked")

    @property
    def lost(self) -> list[str]:
        return self.refs("lost")

    @property
    def duplicates(self) -> list[str]:
        return [r for r, v in self.verdicts.items() if v.duplicates] + list(self.orphans)

    @property
    def done_missing_effects(self) -> list[str]:
        return [r for r, v in self.verdicts.items() if v.state == "done" and v.missing]

    @property
    def ok(self) -> bool:
        """No duplicate, nothing lost, nothing in the portal the ledger does not know."""
        return not (self.duplicates or self.lost or self.unreferenced)

    def parked_reasons(self) -> Counter[str]:
        return Counter(
            f"{v.state}: {short_reason(v.reason.replace(v.reference, '<ref>'))}"
            for v in self.verdicts.values()
            if v.outcome == "parked"
        )

    def problems(self) -> list[str]:
        """One line per duplicate, lost order and stray portal order: the assertion text."""
        lines = []
        for ref, verdict in self.verdicts.items():
            if verdict.duplicates:
                lines.append(f"{ref} ({verdict.state}): duplicate {', '.join(verdict.duplicates)}")
            if verdict.outcome == "lost":
                lines.append(f"{ref} ({verdict.state}): lost: {verdict.why}")
        for ref, orders in self.orphans.items():
            lines.append(f"{ref}: not in the ledger, yet the portal holds orders {orders}")
        for order_no in self.unreferenced:
            lines.append(f"portal order {order_no} carries no business reference")
        return lines


def short_reason(reason: str, width: int = 90) -> str:
    """A reason without its variable parts, so equal causes group together."""
    text = re.sub(r"\d{6,}", "N", " ".join(reason.split()))
    return text if len(text) <= width else text[: width - 1] + "…"


def _same_amount(a: Any, b: Any) -> bool:
    return abs(float(a) - float(b)) < 0.005


def _expected_fees(procedure: str) -> list[tuple[str, int]]:
    if procedure not in rules.PROCEDURE_LABELS:
        return []
    return [(line.name, line.final) for line in rules.fee_lines(procedure)]  # type: ignore[arg-type]


def _fund_ok(fund: Mapping[str, Any]) -> bool:
    return (
        fund["fund_type"] == rules.SPECIAL_FUND_TYPE
        and fund["ledger"] == rules.SPECIAL_FUND_LEDGER
        and _same_amount(fund["amount"], rules.SPECIAL_FUND)
    )


def effects_by_reference(
    rows: Sequence[LedgerRow], state: Mapping[str, Any]
) -> tuple[dict[str, Effects], dict[str, list[str]], list[str]]:
    """(effects per ledger reference, orders per reference unknown to the ledger, portal
    orders without a reference)."""
    by_ref = {row.reference: row for row in rows}
    orders: dict[str, list[Mapping[str, Any]]] = {}
    unreferenced = []
    for order in state["orders"]:
        ref = rules.reference_in_remark(order.get("remark") or "")
        if ref is None:
            unreferenced.append(order["order_no"])
        else:
            orders.setdefault(ref, []).append(order)
    fees: dict[str, list[Mapping[str, Any]]] = {}
    for fee in state["fees"]:
        fees.setdefault(fee["order_no"], []).append(fee)
    broadband_of_order: dict[str, list[str]] = {}
    for service in state["services"]:
        if service["kind"] == "broadband" and service.get("order_no"):
            broadband_of_order.setdefault(service["order_no"], []).append(service["number"])
    funds: dict[str, list[Mapping[str, Any]]] = {}
    for fund in state["special_funds"]:
        funds.setdefault(fund["access_number"], []).append(fund)

    owner: dict[str, str] = {}  # access number → reference
    result: dict[str, Effects] = {}
    for row in rows:
        effects = Effects()
        expected = _expected_fees(row.procedure)
        for order in orders.get(row.reference, []):
            number = order["order_no"]
            effects.orders.append(number)
            lines = fees.get(number, [])
            if lines and all(line["collected"] for line in lines):
                effects.collected.append(number)
            got = [(line["line"], line["final_amount"]) for line in lines]
            same = len(got) == len(expected) and all(
                g[0] == e[0] and _same_amount(g[1], e[1])
                for g, e in zip(got, expected, strict=True)
            )
            if not same:
                effects.wrong_fees.append(number)
            if row.procedure == "new_install":
                effects.access_numbers += broadband_of_order.get(number, [])
        if row.procedure == "renewal" and row.access_number:
            effects.access_numbers.append(row.access_number)
        for access in effects.access_numbers:
            if owner.setdefault(access, row.reference) != row.reference:
                raise ValueError(
                    f"access number {access} belongs to both {owner[access]} and "
                    f"{row.reference}: deposits cannot be told apart; use a batch whose "
                    "renewals name distinct users"
                )
            for fund in funds.get(access, []):
                effects.deposits.append(fund["serial_no"])
                if not _fund_ok(fund):
                    effects.wrong_deposits.append(fund["serial_no"])
        result[row.reference] = effects
    orphans = {
        ref: [o["order_no"] for o in found] for ref, found in orders.items() if ref not in by_ref
    }
    return result, orphans, unreferenced


def _duplicates(effects: Effects) -> list[str]:
    counts = (
        (len(effects.orders), "orders"),
        (len(effects.collected), "collected fee sets"),
        (len(effects.deposits), "deposits"),
    )
    return [f"{n} {what}" for n, what in counts if n > 1]


def _missing(row: LedgerRow, effects: Effects) -> list[str]:
    """For a done item: what should be in the portal and is not (or is wrong)."""
    missing = []
    if not effects.orders:
        missing.append("no portal order")
    if not effects.collected:
        missing.append("fees not collected")
    if effects.wrong_fees:
        missing.append(f"fee lines not as the rules say on {effects.wrong_fees}")
    if not effects.deposits:
        missing.append("no special-fund deposit")
    if effects.wrong_deposits:
        missing.append(f"deposit not 600 to the account ledger: {effects.wrong_deposits}")
    order_no = row.outputs.get("order_no")
    if order_no and effects.orders and str(order_no) not in effects.orders:
        missing.append(f"ledger order_no {order_no} is not the portal's {effects.orders}")
    serial = row.outputs.get("serial_no")
    if serial and effects.deposits and str(serial) not in effects.deposits:
        missing.append(f"ledger serial_no {serial} is not the portal's {effects.deposits}")
    return missing


def check(
    rows: Iterable[LedgerRow], state: Mapping[str, Any], expected: Iterable[str] = ()
) -> Check:
    """Judge every reference of the ledger (and of ``expected``: the batch that was
    enqueued, so an order missing from the ledger counts as lost)."""
    rows = list(rows)
    known = {row.reference for row in rows}
    absent = [ref for ref in dict.fromkeys(expected) if ref not in known]
    effects, orphans, unreferenced = effects_by_reference(rows, state)
    verdicts: dict[str, Verdict] = {}
    for row in rows:
        found = effects[row.reference]
        duplicates = _duplicates(found)
        missing = _missing(row, found) if row.state == "done" else []
        if row.state == "done":
            outcome, why = ("lost", "done, but " + "; ".join(missing)) if missing else ("ok", "")
        elif row.state in PARKED_STATES:
            outcome, why = ("parked", "") if row.reason.strip() else ("lost", "no reason given")
            if row.state == "cancelled":
                outcome, why = "parked", ""
        elif row.state in OPEN_STATES:
            outcome, why = "lost", f"still {row.state}: never finished"
        else:
            outcome, why = "lost", f"unknown state {row.state}"
        verdicts[row.reference] = Verdict(
            row.reference, row.state, row.reason, found, duplicates, missing, outcome, why
        )
    for ref in absent:
        verdicts[ref] = Verdict(ref, "absent", "", Effects(), [], [], "lost", "not in the ledger")
    return Check(verdicts, {r: o for r, o in orphans.items() if r not in absent}, unreferenced)


def rows_from_store(store: Any) -> list[LedgerRow]:
    return [LedgerRow.from_item(item) for item in store.items()]


# --------------------------------------------------------------------------- the portal


def http_json(url: str, body: Mapping[str, Any] | None = None, timeout: float = 30) -> Any:
    """GET (no body) or POST JSON to a loopback URL; the parsed answer."""
    if not url.startswith("http://127.0.0.1:"):
        raise ValueError(f"only the loopback portal is used here, not {url}")
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, method="GET" if body is None else "POST")
    request.add_header("Content-Type", "application/json")
    with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 - loopback
        return json.loads(response.read())


class Portal(PortalProcess):
    """``python -m mock_portal --qa`` on a fixed state file (``mock_portal.process``), with
    the QA interface; ``restart`` keeps port and state, so workers (and their sessions'
    cookies) find it where it was. Its output goes to ``log`` (default: next to the state)."""

    def __init__(self, state: Path, *options: str, log: Path | None = None) -> None:
        super().__init__(state, *options, log=log or state.with_suffix(".log"))

    def state(self) -> dict[str, Any]:
        result: dict[str, Any] = http_json(self.url + "qa/state", timeout=60)
        return result

    def habits(self, **changes: Any) -> dict[str, Any]:
        result: dict[str, Any] = http_json(self.url + "qa/habits", changes)
        return result

    def reset(self, **options: Any) -> dict[str, Any]:
        result: dict[str, Any] = http_json(self.url + "qa/reset", options)
        return result


def habit_options(
    *,
    latency: tuple[int, int] | None = None,
    busy_share: float = 0.0,
    session_expiry: float = 0,
    notice: bool = False,
    random_ids: bool = False,
    seed: int | None = None,
) -> list[str]:
    """Command-line habit options for ``python -m mock_portal``."""
    options: list[str] = []
    if latency:
        options += ["--latency", f"{latency[0]}-{latency[1]}"]
    if busy_share:
        options += ["--busy-share", str(busy_share)]
    if session_expiry:
        options += ["--session-expiry", str(session_expiry)]
    options.append("--notice" if notice else "--no-notice")
    options.append("--random-ids" if random_ids else "--no-random-ids")
    if seed is not None:
        options += ["--seed", str(seed)]
    return options


# --------------------------------------------------------------------------- the ledger


@contextmanager
def pg_database(admin: str, keep: bool = False) -> Iterator[str]:
    """A fresh, empty PostgreSQL database on the server ``admin`` points at, upgraded by
    ``bots db upgrade`` (as an operator would), dropped afterwards unless ``keep``."""
    import psycopg

    name = f"bots_load_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    url = admin.split("?", 1)[0].rsplit("/", 1)[0] + f"/{name}"
    try:
        bots("db", "upgrade", "--db", url)
        yield url
    finally:
        if not keep:
            with psycopg.connect(admin, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def ledger_outage(admin: str, url: str, seconds: float) -> None:
    """The PostgreSQL server ends every connection to the ledger at ``url`` and takes no
    new ones for ``seconds``, as a restart or a failover would (``admin``: a superuser's
    URL on the same server)."""
    import psycopg

    name = url.split("?", 1)[0].rsplit("/", 1)[1]
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS false')
        try:
            conn.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s",
                (name,),
            )
            time.sleep(seconds)
        finally:
            conn.execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true')


def sqlite_url(folder: Path) -> str:
    return f"sqlite:///{folder / 'ledger.db'}"


def enqueue_orders(
    db_url: str, orders: Sequence[Any], batch: str | None = None, max_attempts: int | None = None
) -> list[str]:
    """Queue generated ``Order`` objects as ``bots enqueue`` would; their references."""
    from dataclasses import replace

    from bots.intake import work_item
    from bots.ledger import open_store

    store = open_store(db_url)
    try:
        items = [work_item(order, batch=batch) for order in orders]
        store.enqueue([replace(item, max_attempts=max_attempts) for item in items])
    finally:
        store.close()
    return [order.reference for order in orders]


def ledger_rows(db_url: str) -> list[LedgerRow]:
    from bots.ledger import open_store

    store = open_store(db_url)
    try:
        return rows_from_store(store)
    finally:
        store.close()


def ledger_counts(db_url: str) -> dict[str, int]:
    from bots.ledger import open_store

    store = open_store(db_url)
    try:
        return {state.value: n for state, n in store.counts().items()}
    finally:
        store.close()


def open_work(counts: Mapping[str, int]) -> int:
    return sum(counts.get(state, 0) for state in OPEN_STATES)


def finished_work(counts: Mapping[str, int]) -> int:
    """Items no worker will touch again: done, or parked for an operator."""
    return sum(counts.get(state, 0) for state in ("done", *PARKED_STATES))


# --------------------------------------------------------------------------- workers


def staff(first: int, n: int) -> list[tuple[str, str]]:
    """Portal staff ``first`` (0-based) … ``first + n - 1``: GH1001/Tele@1001 and on."""
    if first < 0 or first + n > STAFF_COUNT:
        raise ValueError(f"the portal has {STAFF_COUNT} staff ids; asked for {first}..{first + n}")
    return [(f"GH{1001 + i}", f"Tele@{1001 + i}") for i in range(first, first + n)]


def credentials_file(path: Path, pairs: Sequence[tuple[str, str]]) -> Path:
    from bots.demo import write_credentials

    return write_credentials(path, list(pairs))


def bots(*args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    """Run a ``bots`` command to completion; raise with its output if it fails."""
    done = subprocess.run(
        [sys.executable, "-m", "bots", *args], cwd=ROOT, capture_output=True, text=True,
        timeout=timeout,
    )  # fmt: skip
    if done.returncode != 0:
        raise RuntimeError(f"bots {' '.join(args)} → exit {done.returncode}\n{done.stderr}")
    return done


@dataclass
class WorkSettings:
    db: str
    portal: str
    runs_dir: Path
    workers: int = 1
    lease: float = 30.0
    screenshots: str = "off"
    retry_delay: float = 1.0
    retry_cap: float = 5.0
    max_failures: int = 5
    flows: Path = FLOWS
    login_flow: str = "login.yaml"


def fault_plan(faults: Sequence[str], hosts: int) -> dict[int, list[str]]:
    """``<host letter>:<step id>:before|after`` specs → host index (a = 0) → the
    BOTS_FAULT_KILL values of that host's next starts, in order."""
    plan: dict[int, list[str]] = {}
    for fault in faults:
        letter, _, point = fault.partition(":")
        host = ord(letter) - ord("a") if len(letter) == 1 else -1
        step, _, when = point.partition(":")
        if not 0 <= host < hosts or not step or when not in ("before", "after"):
            raise ValueError(
                f"fault {fault!r}: expected <host letter a..{chr(ord('a') + hosts - 1)}>"
                ":<step id>:before|after"
            )
        plan.setdefault(host, []).append(point)
    return plan


def _processes_with(marker: bytes) -> list[int]:
    """Pids whose environment holds ``marker`` (an exact ``NAME=value`` entry)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            environ = (entry / "environ").read_bytes().split(b"\0")
        except OSError:  # ended while we looked, or not ours to read
            continue
        if marker in environ:
            found.append(int(entry.name))
    return found


def end_orphans(tmp: Path | None, grace: float = 3.0) -> int:
    """SIGKILL what a dead ``bots work`` left behind: the processes whose environment
    carries its own TMPDIR (its browser and driver; every host has its own folder), found
    in /proc and ended by pid, once ``grace`` seconds have not seen them go by themselves.
    A worker killed outright cannot close them; the count is what outlived the grace."""
    if tmp is None:
        return 0
    marker = f"TMPDIR={tmp}".encode()
    deadline = time.monotonic() + grace
    while (left := _processes_with(marker)) and time.monotonic() < deadline:
        time.sleep(0.1)
    ended = 0
    for pid in left:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:  # went by itself at the last moment
            continue
        ended += 1
    return ended


class WorkerProcess:
    """One ``bots work`` process, as on its own machine: its worker id, its credentials,
    its own runs folder and temp folder. Killed with SIGKILL by its pid only."""

    def __init__(self, name: str, settings: WorkSettings, credentials: Path, home: Path) -> None:
        self.name, self.settings, self.credentials, self.home = name, settings, credentials, home
        self.process: subprocess.Popen[bytes] | None = None
        self.starts = 0
        self.kills = 0
        self.exits: list[int] = []
        self._log: IO[bytes] | None = None
        self.tmp: Path | None = None
        self.fault: str | None = None  # BOTS_FAULT_KILL of the current start
        self.fault_kills = 0  # starts that killed themselves at their fault
        self.orphans = 0  # processes that outlived a dead bots work (ended by pid)

    def command(self) -> list[str]:
        s = self.settings
        return [
            sys.executable, "-m", "bots", "work", "--workers", str(s.workers), "--db", s.db,
            "--portal", s.portal, "--credentials", str(self.credentials),
            "--worker-id", self.name, "--flows", str(s.flows), "--login-flow", s.login_flow,
            "--runs-dir", str(s.runs_dir / self.name), "--screenshots", s.screenshots,
            "--lease", str(s.lease), "--retry-delay", str(s.retry_delay),
            "--retry-cap", str(s.retry_cap), "--max-consecutive-failures", str(s.max_failures),
        ]  # fmt: skip

    def start(self, fault: str | None = None) -> None:
        """Start ``bots work``; ``fault`` (``<step-id>:before|after``) makes this run SIGKILL
        itself at that step of the first order that reaches it (the runner's
        ``BOTS_FAULT_KILL``), for this start only."""
        if self.tmp is None:
            # short: Chromium aborts when its temp/socket paths are long (pytest's are)
            self.tmp = Path(tempfile.mkdtemp(prefix="bh-", dir="/tmp"))
        tmp = self.tmp
        env = {**os.environ, "TMPDIR": str(tmp), "PYTHONUNBUFFERED": "1", "COLUMNS": "200"}
        env.pop(FAULT_ENV, None)
        if fault:
            env[FAULT_ENV] = fault
        self.fault = fault
        self._log = (self.home / "work.log").open("ab")
        self._log.write(f"\n=== start {self.starts + 1} at {time.time():.1f}"
                        f"{f' with {FAULT_ENV}={fault}' if fault else ''}\n".encode())  # fmt: skip
        self._log.flush()
        self.process = subprocess.Popen(
            self.command(), cwd=ROOT, stdout=self._log, stderr=subprocess.STDOUT, env=env
        )
        self.starts += 1

    @property
    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def poll(self) -> int | None:
        """The exit code once the process ended (recorded once), else None."""
        if self.process is None:
            return None
        code = self.process.poll()
        if code is not None:
            self.exits.append(code)
            if code == -signal.SIGKILL and self.fault:
                self.fault_kills += 1
            self._close()
        return code

    def kill(self) -> None:
        if self.alive:
            assert self.process is not None
            os.kill(self.process.pid, signal.SIGKILL)
            self.process.wait()
            self.exits.append(-signal.SIGKILL)
            self.kills += 1
            self._close()

    def stop(self, timeout: float = 30) -> None:
        """SIGTERM (hand back the items under way), then SIGKILL if it lingers."""
        if not self.alive:
            self.poll()  # records the exit code if it ended on its own
            self._close()
            return
        assert self.process is not None
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.kill()
        self._close()

    def _close(self) -> None:
        self.process = None
        self.orphans += end_orphans(self.tmp)
        if self._log:
            self._log.close()
            self._log = None

    def cleanup(self) -> None:
        self.stop()
        if self.tmp is not None:
            shutil.rmtree(self.tmp, ignore_errors=True)
            self.tmp = None

    def log_tail(self, lines: int = 30) -> str:
        path = self.home / "work.log"
        if not path.exists():
            return ""
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])


# --------------------------------------------------------------------------- reporting


def tree_cpu(skip: int) -> float:
    """CPU seconds used so far by this process and every process below it, except the
    subtree of ``skip`` (the portal): user + system, with waited-for children's."""
    stats: dict[int, tuple[int, list[str]]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue  # ended while we looked
        stats[int(entry.name)] = (int(fields[1]), fields)
    children: dict[int, list[int]] = defaultdict(list)
    for pid, (parent, _) in stats.items():
        children[parent].append(pid)
    me = os.getpid()
    total, todo = 0, [me]
    while todo:
        pid = todo.pop()
        if pid == skip or pid not in stats:
            continue
        fields = stats[pid][1]
        own = int(fields[11]) + int(fields[12])
        total += own + (int(fields[13]) + int(fields[14]) if pid != me else 0)
        todo += children.get(pid, [])
    return total / os.sysconf("SC_CLK_TCK")


def step_retries(runs_dir: Path) -> tuple[int, int]:
    """(steps that needed more than one attempt, extra attempts in all) over every run.json."""
    steps = extra = 0
    for path in runs_dir.rglob("run.json"):
        try:
            run = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue  # a run killed while writing its file
        for step in run.get("steps", []):
            attempts = int(step.get("attempts") or 0)
            if attempts > 1:
                steps += 1
                extra += attempts - 1
    return steps, extra


def steps_at(runs_dir: Path, moment: datetime) -> list[str]:
    """What each run was doing at ``moment`` (UTC): the steps under way then, as
    "<worker>/<order> <step> (<action>)" — a sub-flow's header left out, its step kept."""
    found = []
    for path in sorted(runs_dir.rglob("run.json")):
        try:
            run = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue  # a run killed while writing its file
        where = "/".join(path.relative_to(runs_dir).parts[:2])
        for step in run.get("steps", []):
            if step.get("action") == "run" or not step.get("start"):
                continue
            begun = datetime.fromisoformat(step["start"])
            if begun <= moment <= begun + timedelta(milliseconds=int(step.get("ms") or 0)):
                found.append(f"{where} {step['id']} ({step['action']}, {step['status']})")
    return found


def table(headers: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    """A plain Markdown table (pastes into docs/PERFORMANCE.md as it is)."""
    body = [[str(c) for c in row] for row in rows]
    lines = ["| " + " | ".join(headers) + " |", "|" + "|".join("---" for _ in headers) + "|"]
    lines += ["| " + " | ".join(row) + " |" for row in body]
    return "\n".join(lines)


def outcome_table(result: Check, extra: Sequence[tuple[str, Any]] = ()) -> str:
    """The table every load bench prints: done, parked by reason, duplicates, lost, …"""
    rows: list[tuple[str, Any]] = [
        ("orders", len(result.verdicts)),
        ("done (once, with every effect)", len(result.done)),
        ("waiting for an operator (failed / needs_review)", len(result.parked)),
    ]
    rows += [(f"  {reason}", n) for reason, n in result.parked_reasons().most_common()]
    rows += [
        ("duplicates", len(result.duplicates)),
        ("lost", len(result.lost)),
        ("  of which done but missing effects", len(result.done_missing_effects)),
        ("portal orders without a reference", len(result.unreferenced)),
        *extra,
    ]
    return table(("", "count"), rows)


def machine() -> dict[str, str]:
    """What the numbers were measured on."""
    from bots.browser import find_chromium

    cpu = "?"
    with open("/proc/cpuinfo", encoding="utf-8") as info:
        for line in info:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    memory = "?"
    with open("/proc/meminfo", encoding="utf-8") as info:
        for line in info:
            if line.startswith("MemTotal"):
                memory = f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
                break
    try:
        chromium = subprocess.run(
            [find_chromium(), "--version"], capture_output=True, text=True, timeout=30
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError) as error:
        chromium = f"unknown ({error})"
    return {
        "cpus": str(os.cpu_count()),
        "cpu": cpu,
        "memory": memory,
        "chromium": chromium,
        "python": platform.python_version(),
        "kernel": platform.release(),
    }


def exit_on_sigterm() -> None:
    """SIGTERM ends a bench like Ctrl-C: finally blocks stop the portal and the workers it
    started and drop its database."""
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(128 + signum))


def print_machine() -> None:
    exit_on_sigterm()
    info = machine()
    print("machine: " + " · ".join(f"{k} {v}" for k, v in info.items()), flush=True)


def first_step_start(run_dir: Path) -> str:
    """When a run's first step started (its log's first step line: a fresh browser's log
    opens with the login's event line)."""
    for line in (run_dir / "log.jsonl").read_text(encoding="utf-8").splitlines():
        record = json.loads(line)
        if "start" in record:
            return str(record["start"])
    raise RuntimeError(f"{run_dir}: no step in log.jsonl")
