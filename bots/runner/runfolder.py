"""The run folder: run.json, log.jsonl, screens/, trace.zip, report.html — all masked."""

from __future__ import annotations

import json
import os
import zipfile
from pathlib import Path
from typing import Any

from loguru import logger

from bots.masking import Masker
from bots.runner.records import step_line


class RunFolder:
    def __init__(self, path: Path, masker: Masker, run_id: str) -> None:
        self.path = path
        self.screens = path / "screens"
        self.screens.mkdir(parents=True, exist_ok=True)
        self.masker = masker
        self.run_id = run_id
        # line-buffered: a killed process still leaves every finished step's line
        self._log = open(path / "log.jsonl", "a", encoding="utf-8", buffering=1)  # noqa: SIM115
        self._sink = logger.add(
            self._write_record,
            level="DEBUG",
            format="{message}",
            filter=lambda record: record["extra"].get("run_id") == run_id,
            catch=False,
        )
        self.log = logger.bind(run_id=run_id)

    def _write_record(self, message: Any) -> None:
        record = message.record
        event = record["extra"].get("event") or {}
        line = {
            "time": record["time"].isoformat(timespec="milliseconds"),
            "level": record["level"].name,
            "message": record["message"],
            **event,
        }
        self._log.write(self.masker.text(json.dumps(line, ensure_ascii=False, default=str)) + "\n")

    def event(self, level: str, message: str, **event: Any) -> None:
        """One console-and-file line; the message is masked before anything sees it."""
        self.log.bind(event=event).log(level, self.masker.text(message))

    def step(self, record: dict[str, Any]) -> None:
        """A finished step's line (console and log.jsonl) with its record."""
        self.event(
            "ERROR" if record["status"] == "failed" else "INFO",
            step_line(record),
            event="step",
            **{k: v for k, v in record.items() if k != "outputs"},
        )

    def screen_path(self, n: int, step_id: str) -> Path:
        return self.screens / f"{n:03d}_{step_id}.jpg"

    def write_json(self, record: dict[str, Any]) -> None:
        text = self.masker.text(json.dumps(record, ensure_ascii=False, indent=2, default=str))
        tmp = self.path / "run.json.tmp"
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, self.path / "run.json")

    def sanitize_zip(self, path: Path) -> None:
        """Rewrite a trace with secrets masked: Playwright records typed text and DOM values."""
        if not self.masker.values or not path.exists():
            return
        tmp = path.with_suffix(".tmp")
        with zipfile.ZipFile(path) as src, zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as dst:
            for item in src.infolist():
                data = src.read(item)
                try:
                    data = self.masker.text(data.decode("utf-8")).encode("utf-8")
                except UnicodeDecodeError:
                    pass  # images and other binary resources carry no typed text
                dst.writestr(item, data)
        os.replace(tmp, path)

    def close(self) -> None:
        logger.remove(self._sink)
        self._log.close()
