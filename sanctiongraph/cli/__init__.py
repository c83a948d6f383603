"""The ``sanctiongraph`` command line: one verb per flow, each calling one function.

Errors the project raises on purpose print as one line (plus a hint) and exit 1;
anything unexpected prints one line and leaves the traceback in the workspace log.
Each module registers its commands on the one Typer app of ``common``.
"""

from __future__ import annotations

import importlib
import logging

from sanctiongraph import logs
from sanctiongraph.cli.common import app

__all__ = ["app", "main"]

# Registered in the order of the flow, which is the order `--help` lists the commands in.
for _module in ("server", "data", "resolution", "graph", "api", "demo"):
    importlib.import_module(f"sanctiongraph.cli.{_module}")


def main() -> None:
    logs.configure(json_lines=False, level=logging.WARNING)
    app()
