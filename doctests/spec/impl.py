"""The implementation under test, swapped in for `reference_impl`'s names without editing any example.

`python -m doctests --impl MODULE` loads MODULE and takes from it:

* `WebSocket`, `WebSocketDisconnect`, `WebSocketState` (required);
* `WebSocketClose` and `HTTPConnection` (optional: swapped when MODULE has
  them, else the reference's stay).

`HTTPConnection` is swapped when present because `WebSocket` subclasses it:
an example that checks `isinstance(websocket, HTTPConnection)` or builds an
`HTTPConnection` next to a `WebSocket` should see the implementation's own
pair, not a mix. Starlette's `starlette.websockets` imports `HTTPConnection`
from `starlette.requests`, so it has one. Everything else (`InMemoryPeer`,
`reference_impl.datastructures`, `reference_impl.transitions`,
`reference_impl.differences`) stays the reference's: the peer plays the
server, and the rest is the reference's own machinery.

Examples import from `reference_impl` as a reader would. The swap is done in
two places, so that nothing on the pages changes:

* each session's namespace gets a `__builtins__` whose `__import__` hands out
  a stand-in for `reference_impl` and `reference_impl.websockets` (and
  `reference_impl.connection`) that answers the swapped names with the
  implementation's objects and every other name with the reference's;
* a docstring's namespace (a copy of its module's globals) has every value
  that *is* one of the reference's swapped objects replaced.
"""

from __future__ import annotations

import builtins
import functools
import importlib
import importlib.metadata
import sys
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

from doctests.reference import MODULES

REFERENCE = "reference_impl.websockets"
REQUIRED = ("WebSocket", "WebSocketDisconnect", "WebSocketState")
OPTIONAL = ("WebSocketClose", "HTTPConnection")
# The modules an example may import the swapped names from.
SWAPPED_MODULES = tuple(module.name for module in MODULES if module.swapped)


# Scanning every installed distribution is slow; once a process is enough.
_distributions = functools.cache(importlib.metadata.packages_distributions)


def names_reference(target: str) -> bool:
    """Whether `--impl target` is the reference itself: the one test of "is this the reference".

    The command line asks it before anything is imported (coverage must start
    first); `Implementation.is_reference` asks it afterwards.
    """
    return target.split(".")[0] == "reference_impl"


class ImplementationError(Exception):
    """MODULE cannot be imported or lacks a required name; the message is one line."""


@dataclass
class Implementation:
    """The names taken from the module under test, and where they replace the reference's.

    Attributes:
        module: The dotted name given to `--impl`.
        objects: Swapped name -> the implementation's object.
        replaced: `id()` of each reference object -> its replacement (for docstring globals).
    """

    module: str
    objects: dict[str, Any] = field(default_factory=dict)
    replaced: dict[int, Any] = field(default_factory=dict)
    _cache: dict[str, ModuleType] | None = field(default=None, repr=False)

    @property
    def is_reference(self) -> bool:
        """True when the reference runs as itself (see `names_reference`)."""
        return names_reference(self.module)

    def version(self) -> str:
        """`package version` of the distribution that provides the module, as far as it can be found."""
        top = self.module.split(".")[0]
        for distribution in _distributions().get(top, []):
            return f"{distribution} {importlib.metadata.version(distribution)}"
        version = getattr(importlib.import_module(top), "__version__", None)
        return f"{top} {version}" if version else "version unknown"

    def origins(self) -> dict[str, str]:
        """Each name taken from the module -> where its object is defined (`module.qualname`)."""
        return {name: f"{obj.__module__}.{obj.__qualname__}" for name, obj in self.objects.items()}

    def describe(self) -> str:
        """The module, its version, and a line per name saying where the examples' object comes from."""
        if self.is_reference:
            return f"implementation {self.module} ({self.version()}): the reference itself"
        lines = [f"implementation {self.module} ({self.version()})"]
        lines += [f"  {name:<20} {where}" for name, where in self.origins().items()]
        lines += [f"  {name:<20} the reference's (the module has none)" for name in self.kept()]
        return "\n".join(lines)

    def kept(self) -> list[str]:
        """The optional names the module lacks, for which the reference's stay."""
        return [name for name in OPTIONAL if name not in self.objects]

    def builtins(self) -> dict[str, Any]:
        """A `__builtins__` for example namespaces: the real ones, with the swapping `__import__`."""
        namespace = dict(vars(builtins))
        if self.is_reference:
            return namespace
        stand_ins = self._stand_ins()
        real_import = builtins.__import__

        def swapping_import(
            name: str,
            globals: dict[str, Any] | None = None,
            locals: dict[str, Any] | None = None,
            fromlist: tuple[str, ...] | list[str] | None = (),
            level: int = 0,
        ) -> ModuleType:
            module = real_import(name, globals, locals, fromlist, level)
            if level:
                return module
            # `import a.b` binds `a`; `from a.b import c` reads from `a.b`.
            wanted = name if fromlist else name.split(".")[0]
            return stand_ins.get(wanted, module)

        namespace["__import__"] = swapping_import
        return namespace

    def _stand_ins(self) -> dict[str, ModuleType]:
        """Module name -> a module answering the swapped names with the implementation's objects, the rest as is.

        Made once per run; the stand-ins refer to each other, so `reference_impl.websockets`
        reached through the package is the same stand-in an import of it gives.
        """
        if self._cache is None:
            reals = {name: importlib.import_module(name) for name in SWAPPED_MODULES}
            self._cache = {name: ModuleType(name, real.__doc__) for name, real in reals.items()}
            for name, real in reals.items():
                for attribute, value in vars(real).items():
                    if isinstance(value, ModuleType) and value.__name__ in self._cache:
                        value = self._cache[value.__name__]
                    setattr(self._cache[name], attribute, self.replaced.get(id(value), value))
        return self._cache

    def globals_for(self, namespace: dict[str, Any]) -> dict[str, Any]:
        """A docstring's namespace: its module's globals, swapped objects replaced, imports swapping."""
        swapped = {key: self.replaced.get(id(value), value) for key, value in namespace.items()}
        swapped["__builtins__"] = self.builtins()
        return swapped


def load(target: str) -> Implementation:
    """Import `target` (a dotted module name, or a `.py` file) and collect the names to swap.

    A file is imported as a top-level module named after it, with its folder
    put first on `sys.path`, as `uvicorn --app-dir` does for an app.

    Raises:
        ImplementationError: The module cannot be imported or lacks a required name.
    """
    module_name = target
    if target.endswith(".py"):
        path = Path(target)
        if not path.is_file():
            raise ImplementationError(f"--impl {target}: no such file")
        sys.path.insert(0, str(path.resolve().parent))
        module_name = path.stem
    try:
        module = importlib.import_module(module_name)
    except Exception as error:  # any import-time failure is the implementation's, not ours
        raise ImplementationError(f"--impl {target}: cannot import it ({type(error).__name__}: {error})") from None
    missing = [name for name in REQUIRED if not hasattr(module, name)]
    if len(missing) == len(REQUIRED):
        raise ImplementationError(f"--impl {module_name}: it has none of {', '.join(REQUIRED)}")
    if missing:
        raise ImplementationError(f"--impl {module_name}: it has no {', '.join(missing)} (needs {', '.join(REQUIRED)})")
    reference = importlib.import_module(REFERENCE)
    implementation = Implementation(module_name)
    for name in REQUIRED + OPTIONAL:
        if not hasattr(module, name):
            continue
        theirs, ours = getattr(module, name), getattr(reference, name)
        implementation.objects[name] = theirs
        if theirs is not ours:
            implementation.replaced[id(ours)] = theirs
    return implementation


# The import line every example app in docs/examples uses, and what a reader
# of each library writes instead: the one text-level swap, for code that runs
# a whole app in a server (the page runner swaps at import time, above).
EXAMPLE_IMPORTS = {
    "reference_impl": "from reference_impl import ",
    "starlette": "from starlette.websockets import ",
    "fastapi": "from fastapi.websockets import ",
}


def swap_example_import(source: str, library: str) -> str:
    """An example app's `source` with its one `from reference_impl import` line importing from `library`.

    Raises:
        ValueError: The source does not import `reference_impl` exactly once, or still names it after the swap.
    """
    ours = EXAMPLE_IMPORTS["reference_impl"]
    if source.count(ours) != 1:
        raise ValueError(f"an example app must import reference_impl exactly once ({ours!r})")
    swapped = source.replace(ours, EXAMPLE_IMPORTS[library])
    if library != "reference_impl" and "reference_impl" in swapped:
        raise ValueError("the example names reference_impl outside its import line")
    return swapped
