"""What the tooling needs to know about each module of `reference_impl`, in one table.

The runner tags docstring examples by module, coverage counts public names
and tells the implementation's own calls apart, and the spec check swaps
names taken from some modules. Each of those reads this table, so a module
added to `reference_impl` is described once, here (`tests/docs` checks that
every module is listed).

Example:
    >>> [module.name for module in MODULES if module.swapped]
    ['reference_impl', 'reference_impl.websockets', 'reference_impl.connection']
"""

from __future__ import annotations

from dataclasses import dataclass

PACKAGE = "reference_impl"


@dataclass(frozen=True)
class Module:
    """One module of `reference_impl` and how the tooling treats it.

    Attributes:
        name: The dotted module name.
        swapped: Examples importing the API from it get the implementation under test (`--impl`).
        public_names: Its own public classes and functions count for coverage, beyond the package's `__all__`.
        internal: Calls made from its code are the implementation talking to itself, not an example's call.
        tags: The tags of its docstring examples (`reference-only`: they show the reference's own machinery).
    """

    name: str
    swapped: bool = False
    public_names: bool = False
    internal: bool = False
    tags: tuple[str, ...] = ()


MODULES = (
    Module(PACKAGE, swapped=True),
    Module(f"{PACKAGE}.websockets", swapped=True, internal=True),
    Module(f"{PACKAGE}.connection", swapped=True, internal=True),
    Module(f"{PACKAGE}.datastructures", public_names=True, internal=True, tags=("reference-only",)),
    Module(f"{PACKAGE}.transitions", public_names=True, internal=True, tags=("reference-only",)),
    Module(f"{PACKAGE}.differences", tags=("reference-only",)),
    Module(f"{PACKAGE}.peer"),
    Module(f"{PACKAGE}.types"),
)
