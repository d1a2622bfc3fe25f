"""The pinned Pyodide release that runs the pages' examples in the browser, and the reference wheel it installs.

This module owns `build/pyodide/`: nothing else names a path under it.

* `python -m doctests.sitegen.pyodide` (`make pyodide`) fetches the pinned
  release with `npm pack` from the npm registry, checks the tarball against
  the registry's `dist.integrity` *and* the hash pinned here (sha512), and
  unpacks the runtime files a page needs into `build/pyodide/<VERSION>/`.
* The site build (`doctests/sitegen/hooks.py`, `on_post_build`) calls
  `copy_runtime` and `build_wheel`: the runtime goes to
  `site/assets/pyodide/<VERSION>/`, and the reference implementation is
  built into a wheel (`pip wheel --no-deps --no-build-isolation`) whose file
  name carries a hash of its bytes, so a browser never mixes a cached old
  copy with a new page.

If the cache is missing, the build stops with one line naming the command.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
import tomllib
from pathlib import Path

from doctests import ROOT
from doctests.sitegen.browser_driver import TIMEOUT

VERSION = "0.29.5"  # Python 3.13.2; 314.x (Python 3.14) adds exception notes two examples do not show
# `npm view pyodide@0.29.5 dist.integrity`, pinned so a changed tarball is refused even if the registry agrees.
INTEGRITY = "sha512-TkYrUv9m8QmfImADKRmpwZulL48E0uUaBSO+dvRQKyAJc0qh9gu7jn8btyHPh3NZm1r2IH2YrJhIr7Q2B9urAw=="
# What `loadPyodide()` fetches, in order; nothing else of the package is needed at run time.
# (314.x renames pyodide.asm.js to pyodide.asm.mjs.)
RUNTIME = ("pyodide.mjs", "pyodide.asm.js", "pyodide.asm.wasm", "python_stdlib.zip", "pyodide-lock.json")
LICENSE = "MPL-2.0"

CACHE = ROOT / "build" / "pyodide"
RUNTIME_CACHE = CACHE / VERSION
WHEEL_CACHE = CACHE / "wheels"
SITE_FOLDER = f"assets/pyodide/{VERSION}"  # where the runtime lands in the site, relative to its root
WHEEL_FOLDER = "assets/pyodide/wheels"
DRIVER = Path(__file__).with_name("browser_driver.py")
FETCH_COMMAND = "make pyodide (python -m doctests.sitegen.pyodide)"
# The project files a wheel is built from; their bytes decide whether a cached wheel is still good.
# --no-build-isolation: setuptools from this environment, no download.
PIP_WHEEL = (
    sys.executable,
    "-m",
    "pip",
    "wheel",
    "-q",
    "--disable-pip-version-check",
    "--no-deps",
    "--no-build-isolation",
)
WHEEL_SOURCES = ("pyproject.toml", "README.md", "reference_impl")
# The page needs only `reference_impl`; the project's own wheel also ships the
# spec check and its pages. So the build gets a pyproject of its own, with the
# project's name and version, naming that one package.
PAGE_PYPROJECT = """[build-system]
requires = ["setuptools>=61"]
build-backend = "setuptools.build_meta"

[project]
name = "{name}"
version = "{version}"
requires-python = ">=3.11"

[tool.setuptools]
packages = ["reference_impl"]

[tool.setuptools.package-data]
reference_impl = ["py.typed"]
"""


class MissingRuntime(FileNotFoundError):
    """The pinned Pyodide is not in the cache; the message names the command that fetches it."""


def sri(data: bytes) -> str:
    """The Subresource Integrity string (`sha512-<base64>`) of `data`, as npm's `dist.integrity` spells it."""
    return "sha512-" + base64.b64encode(hashlib.sha512(data).digest()).decode("ascii")


def registry_integrity() -> str:
    """`dist.integrity` of the pinned version, asked of the npm registry with npm itself."""
    out = subprocess.run(
        ["npm", "view", f"pyodide@{VERSION}", "dist.integrity", "--json"],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    ).stdout
    return str(json.loads(out))


def fetch() -> Path:
    """Download, verify and unpack the pinned release into `build/pyodide/<VERSION>/`; return that folder."""
    expected = registry_integrity()
    if expected != INTEGRITY:
        raise SystemExit(f"the registry's integrity for pyodide@{VERSION} is {expected}, not the pinned {INTEGRITY}")
    with tempfile.TemporaryDirectory() as scratch:
        subprocess.run(
            ["npm", "pack", f"pyodide@{VERSION}", "--pack-destination", scratch, "--silent"],
            check=True,
            timeout=600,
            stdout=subprocess.DEVNULL,
        )
        tarball = Path(scratch) / f"pyodide-{VERSION}.tgz"
        got = sri(tarball.read_bytes())
        if got != INTEGRITY:
            raise SystemExit(f"pyodide-{VERSION}.tgz has integrity {got}, expected {INTEGRITY}")
        staging = Path(scratch) / "runtime"
        staging.mkdir()
        with tarfile.open(tarball) as archive:
            for name in RUNTIME:
                member = archive.extractfile(f"package/{name}")
                if member is None:
                    raise SystemExit(f"pyodide-{VERSION}.tgz has no package/{name}")
                (staging / name).write_bytes(member.read())
        stamp = {"package": f"pyodide@{VERSION}", "integrity": INTEGRITY, "license": LICENSE, "files": list(RUNTIME)}
        (staging / "SOURCE.json").write_text(json.dumps(stamp, indent=2) + "\n", encoding="utf-8")
        if RUNTIME_CACHE.exists():
            shutil.rmtree(RUNTIME_CACHE)
        RUNTIME_CACHE.parent.mkdir(parents=True, exist_ok=True)
        shutil.move(staging, RUNTIME_CACHE)
    return RUNTIME_CACHE


def runtime() -> Path:
    """The cached runtime folder; `MissingRuntime` (one line naming the fetch command) if it is not there."""
    missing = [name for name in RUNTIME if not (RUNTIME_CACHE / name).is_file()]
    if missing:
        where = RUNTIME_CACHE.relative_to(ROOT)
        raise MissingRuntime(f"Pyodide {VERSION} is not in {where}/ (missing {missing[0]}): run {FETCH_COMMAND}")
    return RUNTIME_CACHE


def copy_runtime(site: Path) -> Path:
    """Copy the runtime files into `site/assets/pyodide/<VERSION>/`; return that folder."""
    source = runtime()
    target = site / SITE_FOLDER
    target.mkdir(parents=True, exist_ok=True)
    for name in RUNTIME:
        shutil.copyfile(source / name, target / name)
    return target


def sources_digest() -> str:
    """A hash of every file the wheel is built from, so an unchanged tree reuses its cached wheel."""
    digest = hashlib.sha256()
    for entry in WHEEL_SOURCES:
        path = ROOT / entry
        files = (
            sorted(p for p in path.rglob("*") if p.is_file() and "__pycache__" not in p.parts)
            if path.is_dir()
            else [path]
        )
        for file in files:
            digest.update(file.relative_to(ROOT).as_posix().encode() + b"\0" + file.read_bytes() + b"\0")
    return digest.hexdigest()[:16]


def build_wheel() -> Path:
    """The reference implementation as a wheel whose build tag is a hash of its bytes (built once per source tree).

    pip builds in a copy of the sources, so setuptools' own `build/` folder
    never lands in the project's `build/`. `SOURCE_DATE_EPOCH` makes the
    archive's timestamps, and so its hash, repeatable.
    """
    folder = WHEEL_CACHE / sources_digest()
    built = sorted(folder.glob("*.whl")) if folder.is_dir() else []
    if built:
        return built[0]
    with tempfile.TemporaryDirectory() as scratch:
        tree = Path(scratch) / "src"
        tree.mkdir()
        for entry in WHEEL_SOURCES:
            path = ROOT / entry
            if path.is_dir():
                shutil.copytree(path, tree / entry, ignore=shutil.ignore_patterns("__pycache__"))
            else:
                shutil.copyfile(path, tree / entry)
        project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
        (tree / "pyproject.toml").write_text(PAGE_PYPROJECT.format(name=project["name"], version=project["version"]))
        out = Path(scratch) / "dist"
        subprocess.run(
            [*PIP_WHEEL, "--wheel-dir", str(out), str(tree)],
            check=True,
            timeout=300,
            env={**os.environ, "SOURCE_DATE_EPOCH": "315532800", "PIP_NO_INPUT": "1"},
        )
        (wheel,) = out.glob("*.whl")
        # name-version-py3-none-any.whl -> name-version-0<hash>-py3-none-any.whl: a build tag starts with a digit.
        name, version, rest = wheel.name.split("-", 2)
        tag = "0" + hashlib.sha256(wheel.read_bytes()).hexdigest()[:12]
        folder.mkdir(parents=True, exist_ok=True)
        target = folder / f"{name}-{version}-{tag}-{rest}"
        shutil.copyfile(wheel, target)
    return target


def copy_wheel(site: Path) -> str:
    """Build (or reuse) the wheel and copy it into the site; return its URL path from the site root."""
    wheel = build_wheel()
    target = site / WHEEL_FOLDER
    target.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(wheel, target / wheel.name)
    return f"{WHEEL_FOLDER}/{wheel.name}"


def install(site: Path) -> None:
    """Put everything a Run button needs under `site/assets/pyodide/`, and `run.json`, which names it all.

    `run.json` is the one file with a fixed name: `run.js` fetches it (revalidating)
    on the first click, and every other file's name changes with its content.
    """
    copy_runtime(site)
    wheel = copy_wheel(site)
    driver = DRIVER.read_bytes()
    driver_name = f"driver-{hashlib.sha256(driver).hexdigest()[:12]}.py"
    (site / "assets/pyodide" / driver_name).write_bytes(driver)
    config = {
        "version": VERSION,
        "runtime": f"{VERSION}/",  # these paths are relative to run.json
        "wheel": wheel.removeprefix("assets/pyodide/"),
        "driver": driver_name,
        "timeout": TIMEOUT,
    }
    (site / "assets/pyodide/run.json").write_text(json.dumps(config, indent=1) + "\n", encoding="utf-8")


def main() -> int:
    folder = fetch()
    size = sum((folder / name).stat().st_size for name in RUNTIME)
    print(f"pyodide@{VERSION} verified ({INTEGRITY[:23]}...), {size:,} B in {folder.relative_to(ROOT)}/")
    return 0


if __name__ == "__main__":
    sys.exit(main())
