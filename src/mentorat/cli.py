"""The `mentorat` command line."""

from __future__ import annotations

import sys


def main(argv: list[str] | None = None) -> int:
    print("mentorat: the web adapter is not there yet (see issue 4).", file=sys.stderr)
    return 1
