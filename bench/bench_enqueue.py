"""``bots enqueue`` at scale: CPU and peak memory of the command per file size, CSV and XLSX,
on SQLite and PostgreSQL.

    .venv/bin/python bench/bench_enqueue.py [--rows 5000,20000,50000] [--formats csv,xlsx]
        [--backends sqlite,postgresql] [--pg postgresql:///postgres] [--rounds 1]

Each file holds that many valid orders, every one distinct in what must be (reference,
number, card, IMEI, account, access number); the files are written before anything is
measured. Each run is ``bots enqueue FILE --db URL`` as a process of its own into a fresh
ledger, so the figures are the command's own, imports included: CPU (user + system) and
peak resident memory come from the kernel (``wait4``). Beside them, the ledger's own size
afterwards (the SQLite file; ``pg_total_relation_size`` of its tables on PostgreSQL).

Targets (issue 12): 50,000 rows in under 15 s of CPU; memory flat in the number of rows —
the last column gives the peak's growth per 10,000 rows against the smallest file.
"""

from __future__ import annotations

import argparse
import csv
import os
import random
import re
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.common import pg_database, print_machine, table  # noqa: E402
from bots.orders import checks  # noqa: E402
from bots.orders.columns import COLUMNS, flatten  # noqa: E402
from bots.orders.samples import raw_order  # noqa: E402


def row(index: int, rng: random.Random) -> list[str]:
    """Order ``index`` as a spreadsheet row: a sample order made unique where it must be."""
    raw = raw_order(index % 1000, rng, f"E9-BENCH-{index:06d}")
    raw["mobile"]["number"] = f"139{index:08d}"
    card = f"898603193{index:09d}"
    raw["mobile"]["uim"] = card + checks.luhn_check_digit(card)
    imei = f"8647{index:010d}"
    raw["phone"]["imei"] = imei + checks.luhn_check_digit(imei)
    if raw["procedure"] == "renewal":
        raw["broadband"]["access_number"] = f"0371{index:08d}"
    else:
        raw["broadband"]["account"] = f"hnbench{index:06d}"
    flat = flatten(raw)
    return ["" if flat[c.name] is None else str(flat[c.name]) for c in COLUMNS]


def write_files(folder: Path, rows: int, formats: list[str]) -> dict[str, Path]:
    rng = random.Random(rows)
    header = [c.label for c in COLUMNS]  # the back office's Chinese headers
    body = [row(index, rng) for index in range(rows)]
    files: dict[str, Path] = {}
    if "csv" in formats:
        files["csv"] = folder / f"orders-{rows}.csv"
        with files["csv"].open("w", encoding="utf-8-sig", newline="") as out:
            writer = csv.writer(out)
            writer.writerow(header)
            writer.writerows(body)
    if "xlsx" in formats:
        from openpyxl import Workbook

        files["xlsx"] = folder / f"orders-{rows}.xlsx"
        book = Workbook(write_only=True)
        sheet = book.create_sheet()
        sheet.append(header)
        for values in body:
            sheet.append(values)
        book.save(files["xlsx"])
        shared_strings(files["xlsx"])
    return files


INLINE = re.compile(r'<c r="([A-Z]+\d+)" t="inlineStr"><is><t>([^<]*)</t></is></c>')
RELS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"


def shared_strings(path: Path) -> None:
    """Move the text of the cells into the shared strings, as Excel saves a sheet (openpyxl
    writes each cell's text in the cell)."""
    strings: dict[str, int] = {}

    def shared(match: re.Match[str]) -> str:
        index = strings.setdefault(match[2], len(strings))
        return f'<c r="{match[1]}" t="s"><v>{index}</v></c>'

    with zipfile.ZipFile(path) as src:
        parts = {item.filename: src.read(item.filename) for item in src.infolist()}
    sheet = "xl/worksheets/sheet1.xml"
    parts[sheet] = INLINE.sub(shared, parts[sheet].decode("utf-8")).encode("utf-8")
    items = "".join(f"<si><t>{text}</t></si>" for text in strings)
    parts["xl/sharedStrings.xml"] = (
        '<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
        f' count="{len(strings)}" uniqueCount="{len(strings)}">{items}</sst>'
    ).encode()
    rels = "xl/_rels/workbook.xml.rels"
    parts[rels] = parts[rels].replace(
        b"</Relationships>",
        f'<Relationship Id="rIdStrings" Type="{RELS}/sharedStrings"'
        ' Target="sharedStrings.xml"/></Relationships>'.encode(),
    )
    types = "[Content_Types].xml"
    parts[types] = parts[types].replace(
        b"</Types>",
        b'<Override PartName="/xl/sharedStrings.xml" ContentType="application/'
        b'vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>',
    )
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as out:
        for name, data in parts.items():
            out.writestr(name, data)


# A parent's peak memory counts in its child's (the kernel keeps the larger across fork and
# exec), so the command is started by this small launcher, not by the bench itself.
LAUNCHER = """
import os, sys
log = os.open(os.environ["BENCH_LOG"], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
pid = os.fork()
if pid == 0:
    os.dup2(log, 1)
    os.dup2(log, 2)
    os.execv(sys.executable, [sys.executable, *sys.argv[1:]])
_, status, usage = os.wait4(pid, 0)
print(os.waitstatus_to_exitcode(status), usage.ru_utime + usage.ru_stime, usage.ru_maxrss)
"""


def enqueue(path: Path, db: str) -> tuple[float, float, float]:
    """(CPU seconds, peak RSS in MB, wall seconds) of ``bots enqueue path --db db``."""
    log = path.parent / "enqueue.log"
    started = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-S", "-c", LAUNCHER, "-m", "bots", "enqueue", str(path), "--db", db],
        capture_output=True, text=True, cwd=ROOT,
        env={**os.environ, "BENCH_LOG": str(log), "BOTS_LANG": "en"},  # (checked for "enqueued")
        check=True,
    )  # fmt: skip
    wall = time.monotonic() - started
    code, cpu, peak_kb = done.stdout.split()
    output = log.read_text(encoding="utf-8")
    if code != "0" or "enqueued" not in output:
        raise SystemExit(f"bots enqueue {path} failed ({code}): {output}")
    return float(cpu), int(peak_kb) / 1024, wall


def ledger_size(db: str) -> float:
    """The ledger's own size in MB after the run."""
    if db.startswith("sqlite:///"):
        path = Path(db.removeprefix("sqlite:///"))
        return sum(p.stat().st_size for p in path.parent.glob(path.name + "*")) / 2**20
    import psycopg

    with psycopg.connect(db) as conn:
        found = conn.execute(
            "SELECT SUM(pg_total_relation_size(c.oid)) FROM pg_class c JOIN pg_namespace n"
            " ON n.oid = c.relnamespace WHERE n.nspname = 'public' AND c.relkind = 'r'"
        ).fetchone()
    return float(found[0] or 0) / 2**20 if found else 0.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", default="5000,20000,50000")
    parser.add_argument("--formats", default="csv,xlsx")
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--pg", default=os.environ.get("BOTS_TEST_PG_URL", "postgresql:///postgres"))
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--write", help=argparse.SUPPRESS)  # (the files, in a child process)
    args = parser.parse_args()
    sizes = [int(n) for n in args.rows.split(",")]
    formats = args.formats.split(",")
    if args.write:
        for rows in sizes:
            write_files(Path(args.write), rows, formats)
        return
    backends = args.backends.split(",")
    print_machine()
    print(f"load average before: {os.getloadavg()[0]:.1f}", flush=True)
    results: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix="bench-enqueue-") as tmp:
        folder = Path(tmp)
        # written by a process of its own: a child forked from a big parent would count the
        # parent's memory in its peak (the kernel keeps the larger of the two)
        subprocess.run(
            [sys.executable, __file__, "--write", tmp, "--rows", args.rows,
             "--formats", args.formats],
            check=True,
        )  # fmt: skip
        files = {
            rows: {fmt: folder / f"orders-{rows}.{fmt}" for fmt in formats} for rows in sizes
        }
        for round_no in range(1, args.rounds + 1):
            for rows in sizes:
                for fmt in formats:
                    for backend in backends:
                        results.append(run_one(folder, files[rows][fmt], backend, args.pg) | {
                            "round": round_no, "rows": rows, "format": fmt, "backend": backend,
                        })  # fmt: skip
                        print(f"  {results[-1]}", file=sys.stderr, flush=True)
    print(f"load average after: {os.getloadavg()[0]:.1f}")
    print(table(
        ("round", "ledger", "file", "rows", "CPU s", "peak MB", "wall s", "ledger MB",
         "peak +MB per 10k rows", "15 s target"),
        [
            (r["round"], r["backend"], r["format"], f"{r['rows']:,}", f"{r['cpu']:.1f}",
             f"{r['peak']:.0f}", f"{r['wall']:.1f}", f"{r['ledger']:.1f}", slope(r, results),
             "met" if r["rows"] < 50_000 or r["cpu"] < 15 else "NOT met")
            for r in results
        ],
    ))  # fmt: skip


def run_one(folder: Path, path: Path, backend: str, pg: str) -> dict[str, Any]:
    if backend == "sqlite":
        with tempfile.TemporaryDirectory(dir=folder) as ledger_dir:
            db = f"sqlite:///{ledger_dir}/ledger.db"
            cpu, peak, wall = enqueue(path, db)
            return {"cpu": cpu, "peak": peak, "wall": wall, "ledger": ledger_size(db)}
    with pg_database(pg) as db:
        cpu, peak, wall = enqueue(path, db)
        return {"cpu": cpu, "peak": peak, "wall": wall, "ledger": ledger_size(db)}


def slope(result: dict[str, Any], results: list[dict[str, Any]]) -> str:
    """Peak growth per 10,000 rows against the smallest file of the same kind and round."""
    same = [
        r for r in results
        if (r["round"], r["backend"], r["format"]) == (
            result["round"], result["backend"], result["format"])
    ]  # fmt: skip
    smallest = min(same, key=lambda r: r["rows"])
    if smallest is result:
        return "-"
    per = (result["peak"] - smallest["peak"]) / ((result["rows"] - smallest["rows"]) / 10_000)
    return f"{per:+.1f}"


if __name__ == "__main__":
    main()
