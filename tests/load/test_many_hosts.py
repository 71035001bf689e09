"""Many hosts, one queue, bounded: two ``bots work`` processes (distinct worker ids and
staff ids) on one PostgreSQL ledger and one portal, each SIGKILLed at fixed steps
(BOTS_FAULT_KILL) and restarted; then the operator replays what needs review. The
portal's QA state must show every order entered once or parked with its reason."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench.many_hosts import Config, report, run

pytestmark = [pytest.mark.browser, pytest.mark.postgres, pytest.mark.timeout(270)]

# inside a commit (fees collected, then the kill: needs_review, replayed by the operator),
# before any commit (back to pending, claimed again), after the last commit (needs_review)
FAULTS = ("a:collect:after", "b:enter_order:before", "a:deposit:after")
ORDERS = 10


def test_killed_hosts_lose_nothing_and_duplicate_nothing(tmp_path: Path, pg_admin_url: str) -> None:
    config = Config(
        pg=pg_admin_url, orders=ORDERS, hosts=2, kills=0, faults=FAULTS, seed=11, lease=5.0,
        timeout=210,
    )
    outcome = run(config, tmp_path, log=False)
    text = report(outcome)
    print(text)
    assert not outcome.timed_out, text
    assert outcome.fault_kills == 3, text
    assert outcome.hosts["host-a"]["kills"] == 2, text
    assert outcome.hosts["host-b"]["kills"] == 1, text
    # the two kills inside or after a commit step leave their orders for the operator
    assert outcome.needs_review_before_replay == 2, text
    assert outcome.check.duplicates == [], text
    assert outcome.check.lost == [], text
    assert outcome.check.unreferenced == [], text
    assert len(outcome.check.done) + len(outcome.check.parked) == ORDERS, text
    for ref in outcome.check.parked:
        assert outcome.check.verdicts[ref].reason.strip(), text
