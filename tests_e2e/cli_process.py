"""The ``brandpulse`` command run as a real process by the browser tests."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

#: The ``brandpulse`` command as this interpreter runs it, with this tree first on the path.
BRANDPULSE = [sys.executable, "-c", "from brandpulse.cli import main; main()"]
CLI_ENV = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parent.parent)}


def brandpulse(*args: str, stdin: str | None = None) -> str:
    """Run ``brandpulse ARGS`` (a real process) and return its stdout; fail on an error."""
    out = subprocess.run(
        [*BRANDPULSE, *args], input=stdin, capture_output=True, text=True, env=CLI_ENV
    )
    assert out.returncode == 0, f"brandpulse {' '.join(args)} failed: {out.stderr}"
    return out.stdout
