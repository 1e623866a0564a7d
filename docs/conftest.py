"""Runs the ```python examples of the docs/ pages as tests, with Sybil.

Each page is one namespace: its blocks run in order, like a script split by prose. Pages with
no Python block (shell or JSON only) are not collected at all.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from sybil import Sybil
from sybil.parsers.markdown import PythonCodeBlockParser

_PYTHON_FENCE = re.compile(r"^ {0,3}(```|~~~)[ \t]*python\b", re.MULTILINE)

_collect_examples = Sybil(parsers=[PythonCodeBlockParser()], patterns=["*.md"]).pytest()


def pytest_collect_file(file_path: Path, parent: pytest.Collector) -> pytest.Collector | None:
    if file_path.suffix != ".md":
        return None
    if not _PYTHON_FENCE.search(file_path.read_text(encoding="utf-8")):
        return None
    return _collect_examples(file_path, parent)
