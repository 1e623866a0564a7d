"""`src/` uses other libraries through their documented APIs only (STYLE.md, section 10).

The checks read the code, not run it: no import of a module or name that starts with `_` from
a third-party package, no attribute starting with `_` read on anything but `self` or `cls`,
no subclass of a server's protocol class, and no library event fired by hand.
"""

from __future__ import annotations

import ast
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[2] / "src"
OURS = "mentorat"
STDLIB = set(sys.stdlib_module_names)
# Packages whose classes speak to sockets for a server: nothing of ours may subclass them.
SERVERS = ("uvicorn", "granian", "httptools", "h11", "asyncio")


def modules() -> list[Path]:
    return sorted(SRC.rglob("*.py"))


def _private(name: str) -> bool:
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))


def _third_party(module: str) -> bool:
    top = module.split(".")[0]
    return top != OURS and top not in STDLIB


def findings(path: Path) -> Iterator[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    imported_from: dict[str, str] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            for alias in node.names:
                imported_from[alias.asname or alias.name] = node.module
            if _third_party(node.module):
                if any(_private(part) for part in node.module.split(".")):
                    yield f"{node.lineno}: imports from the private module {node.module}"
                for alias in node.names:
                    if _private(alias.name):
                        yield f"{node.lineno}: imports the private name {alias.name}"
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if _third_party(alias.name) and any(
                    _private(part) for part in alias.name.split(".")
                ):
                    yield f"{node.lineno}: imports the private module {alias.name}"
        elif isinstance(node, ast.Attribute):
            if _private(node.attr) and not (
                isinstance(node.value, ast.Name) and node.value.id in ("self", "cls")
            ):
                yield f"{node.lineno}: reads the private attribute .{node.attr}"
            if node.attr == "dispatch":
                yield f"{node.lineno}: reaches into an event dispatcher (.dispatch)"
        elif isinstance(node, ast.ClassDef):
            for base in node.bases:
                root = base
                while isinstance(root, ast.Attribute):
                    root = root.value
                if isinstance(root, ast.Name):
                    origin = imported_from.get(root.id, root.id)
                    if origin.split(".")[0] in SERVERS and "Protocol" in ast.unparse(base):
                        yield f"{node.lineno}: subclasses a server's protocol ({ast.unparse(base)})"


@pytest.mark.parametrize("path", modules(), ids=lambda p: str(p.relative_to(SRC)))
def test_the_module_uses_only_documented_apis_of_other_libraries(path: Path) -> None:
    assert list(findings(path)) == []


def test_the_checks_catch_what_they_look_for(tmp_path: Path) -> None:
    bad = tmp_path / "bad.py"
    bad.write_text(
        "from litestar._openapi import schema\n"
        "from sqlalchemy import _private_thing\n"
        "import uvicorn._internal\n"
        "from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol\n"
        "class Mine(HttpToolsProtocol):\n"
        "    def f(self, compiled):\n"
        "        self._ok = compiled._bind_processors\n"
        "        compiled.dispatch.before_cursor_execute()\n"
    )
    found = list(findings(bad))
    assert [line.split(":")[0] for line in found] == ["1", "2", "3", "5", "7", "8"]
