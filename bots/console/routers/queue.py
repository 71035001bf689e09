"""The queue: every item by filters (batch, procedure, state, day enqueued, text in the
reference or the customer's name), what needs a person first, a page at a time."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from bots.console.views import row_of
from bots.console.web import Ledger, Signed, render
from bots.intake import FLOWS
from bots.ledger import ItemQuery, State
from bots.worker.presence import any_alive, nobody_works

router = APIRouter()
PAGE = 50


def _day(text: str | None) -> tuple[datetime | None, datetime | None]:
    """The bounds of a day in the console's time zone, from ``YYYY-MM-DD`` (else none)."""
    try:
        day = date.fromisoformat(text or "")
    except ValueError:
        return None, None
    start = datetime(day.year, day.month, day.day).astimezone()
    return start, start + timedelta(days=1)


@router.get("/queue", response_class=HTMLResponse)
def queue(
    request: Request,
    store: Ledger,
    viewer: Signed,
    state: str = "",
    batch: str = "",
    procedure: str = "",
    day: str = "",
    q: str = "",
    page: int = 1,
) -> Response:
    states = tuple(State(s) for s in [state] if s in State._value2member_map_)
    flows = (FLOWS[procedure],) if procedure in FLOWS else ()
    since, before = _day(day)
    page = max(1, page)
    query = ItemQuery(
        states=states, batch=batch or None, flows=flows, since=since, before=before,
        text=q.strip() or None, offset=(page - 1) * PAGE, limit=PAGE,
    )  # fmt: skip
    items, total = store.page(query)
    pages = max(1, -(-total // PAGE))
    filters = {"state": state, "batch": batch, "procedure": procedure, "day": day, "q": q}
    kept = {k: v for k, v in filters.items() if v}

    def link(n: int) -> str:
        return "/queue?" + urlencode({**kept, "page": n})

    counts = store.counts()
    waiting = counts.get(State.PENDING, 0) + counts.get(State.RETRY_WAIT, 0)
    # orders wait and no worker runs: nothing will happen until someone starts one
    idle = nobody_works() if waiting and not any_alive(store) else ""
    return render(
        request, "queue/list.html.j2", viewer, rows=[row_of(item) for item in items],
        total=total, page=page, pages=pages, filters=filters, link=link,
        states=list(State), procedures=list(FLOWS), batches=[b.batch for b in store.batches()],
        counts=counts, idle=idle,
    )  # fmt: skip
