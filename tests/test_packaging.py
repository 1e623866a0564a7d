"""What a user of the package gets: types for mypy, a licence, metadata, `python -m mentorat`,
and a `make serve` whose address can be chosen."""

from __future__ import annotations

import shutil
import subprocess
import tomllib
from pathlib import Path

import pytest

import mentorat

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = Path(mentorat.__file__).parent


def pyproject() -> dict[str, object]:
    with (ROOT / "pyproject.toml").open("rb") as file:
        project: dict[str, object] = tomllib.load(file)["project"]
    return project


def test_the_package_is_marked_typed_and_runnable_as_a_module() -> None:
    assert (PACKAGE / "py.typed").is_file()
    assert (PACKAGE / "__main__.py").is_file()
    # The wheel takes the whole package directory (hatch: packages = ["src/mentorat"]).
    with (ROOT / "pyproject.toml").open("rb") as file:
        wheel = tomllib.load(file)["tool"]["hatch"]["build"]["targets"]["wheel"]
    assert wheel["packages"] == ["src/mentorat"]


def test_the_licence_and_the_metadata_are_there() -> None:
    project = pyproject()
    assert project["license"] == "MIT AND Apache-2.0 AND 0BSD"
    assert project["license-files"][0] == "LICENSE"
    for pattern in project["license-files"]:  # the served browser code's licences
        assert list(ROOT.glob(pattern)), pattern
    licence = (ROOT / "LICENSE").read_text()
    assert licence.startswith("MIT License")
    assert "mentorat contributors" in licence
    classifiers = project["classifiers"]
    assert isinstance(classifiers, list)
    assert "Typing :: Typed" in classifiers


@pytest.mark.skipif(shutil.which("make") is None, reason="no make on this machine")
@pytest.mark.parametrize(
    ("variables", "expected"),
    [
        ([], "serve --host 127.0.0.1 --port 8000"),
        (["PORT=8001"], "serve --host 127.0.0.1 --port 8001"),
        (["PORT=8001", "HOST=0.0.0.0"], "serve --host 0.0.0.0 --port 8001"),
    ],
)
def test_make_serve_takes_port_and_host(variables: list[str], expected: str) -> None:
    done = subprocess.run(
        ["make", "-n", "-s", "serve", *variables],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
        env={"PATH": "/usr/bin:/bin"},
    )
    assert done.stdout.splitlines()[-1].endswith(expected), done.stdout


def test_make_serve_loads_the_demo_first_unless_told_not_to() -> None:
    """The quick start's `make serve` ends at an app with people in it (README)."""

    def commands(*variables: str) -> list[str]:
        done = subprocess.run(
            ["make", "-n", "-s", "serve", *variables],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=60,
            check=True,
            env={"PATH": "/usr/bin:/bin"},
        )
        return [line.split("/")[-1] for line in done.stdout.splitlines() if "mentorat " in line]

    assert commands() == ["mentorat demo", "mentorat serve --host 127.0.0.1 --port 8000"]
    assert commands("DEMO=0") == ["mentorat serve --host 127.0.0.1 --port 8000"]
