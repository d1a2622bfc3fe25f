"""axe-core for the accessibility test: fetched pinned from the npm registry, checked, cached.

`npm pack axe-core@VERSION` downloads the package tarball once into
`build/npm/` (gitignored, removed by `make clean`); its SHA-512 must equal the
registry's `dist.integrity` pinned below, or the test fails. Later runs use
the cached tarball and need no network. Without npm (or without the registry
on a first run) the accessibility tests skip, saying why in one line.

axe-core is MPL-2.0; it is only injected into the test's browser tab, never
shipped with the site.
"""

from __future__ import annotations

import base64
import hashlib
import shutil
import subprocess
import tarfile

from doctests import ROOT

VERSION = "4.14.1"
# `npm view axe-core@4.14.1 dist.integrity`
INTEGRITY = "sha512-FHfa+lmNjQZfJz1q8wKqIDwC6DExcHt/pkjNQb09a3NPjCKg2rhu5qb2S4r76ASyFNNtuFooJpZe37OgudVGtQ=="
CACHE = ROOT / "build" / "npm"
TARBALL = CACHE / f"axe-core-{VERSION}.tgz"
SCRIPT_IN_TARBALL = "package/axe.min.js"
NPM_TIMEOUT_S = 120


class AxeUnavailable(Exception):
    """axe-core could not be had here (no npm, no registry); the message says why in one line."""


class AxeTampered(Exception):
    """The tarball is not the pinned one."""


def integrity_of(data: bytes) -> str:
    """The Subresource-Integrity string npm records for `data`."""
    return "sha512-" + base64.b64encode(hashlib.sha512(data).digest()).decode("ascii")


def _download() -> None:
    npm = shutil.which("npm")
    if npm is None:
        raise AxeUnavailable(f"the accessibility test needs npm to fetch axe-core@{VERSION} (apt-get install npm)")
    CACHE.mkdir(parents=True, exist_ok=True)
    try:
        done = subprocess.run(
            [npm, "pack", f"axe-core@{VERSION}", "--pack-destination", str(CACHE), "--silent"],
            cwd=CACHE,
            capture_output=True,
            text=True,
            timeout=NPM_TIMEOUT_S,
            check=False,
        )
    except subprocess.TimeoutExpired as error:
        raise AxeUnavailable(f"npm pack axe-core@{VERSION} took over {NPM_TIMEOUT_S} s (no registry?)") from error
    if done.returncode != 0 or not TARBALL.is_file():
        last = (done.stderr.strip().splitlines() or ["no output"])[-1]
        raise AxeUnavailable(f"npm pack axe-core@{VERSION} failed ({done.returncode}): {last}")


def script() -> str:
    """The source of `axe.min.js` from the pinned, verified tarball (downloaded on first use)."""
    if not TARBALL.is_file():
        _download()
    data = TARBALL.read_bytes()
    found = integrity_of(data)
    if found != INTEGRITY:
        raise AxeTampered(f"{TARBALL} has integrity {found}, not the pinned {INTEGRITY}; delete it to fetch again")
    with tarfile.open(TARBALL, "r:gz") as archive:
        member = archive.extractfile(SCRIPT_IN_TARBALL)
        if member is None:
            raise AxeTampered(f"{TARBALL} holds no {SCRIPT_IN_TARBALL}")
        return member.read().decode("utf-8")
