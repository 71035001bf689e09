"""The reports a person reads: one run's ``report.html`` (``bots.report.run``), and the parts
the batch report (``bots.batch``) is drawn with — its summary, its chart, its workbook.

Importing this package loads only the run report: the runner writes one per run, and must
not pay for the spreadsheet library.
"""

from __future__ import annotations

from bots.report.run import render_report, write_report

__all__ = ["render_report", "write_report"]
