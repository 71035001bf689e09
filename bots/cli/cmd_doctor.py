"""``bots doctor``: say whether this machine can run bots (browser, CJK font)."""

from __future__ import annotations

import shutil
import subprocess

import typer

from bots.browser import INSTALL_HINT, find_chromium
from bots.cli.app import app
from bots.errors import SetupError


def cjk_fonts() -> list[str]:
    if not shutil.which("fc-list"):
        return []
    out = subprocess.run(["fc-list", ":lang=zh", "family"], capture_output=True, text=True)
    return sorted({line.strip() for line in out.stdout.splitlines() if line.strip()})


@app.command()
def doctor() -> None:
    """Check the browser and the CJK font the bots need."""
    typer.echo(f"chromium: {find_chromium()}")
    fonts = cjk_fonts()
    if not fonts:
        raise SetupError(f"no CJK font: Chinese would render as boxes; {INSTALL_HINT}")
    typer.echo(f"cjk font: {fonts[0]}")
