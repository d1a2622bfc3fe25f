"""Write `doctests/sitegen/python-objects.inv`: a Sphinx v2 inventory of the stdlib names our API mentions.

mkdocstrings links annotations such as `collections.abc.Iterable` to the
Python docs through docs.python.org's `objects.inv`, which it would download
at every build. Instead this script lists exactly the standard-library names
that `reference_impl`'s signatures, bases and `Raises:` sections reference (as
griffe resolves them), checks that each one exists, and writes them with their
docs.python.org 3 URLs. The mkdocs hook loads the file; nothing is fetched.

Run `python -m doctests.sitegen.inventory` after changing an annotation, and commit
the result; `python -m doctests.sitegen.inventory --check` fails if it is stale.
"""

from __future__ import annotations

import builtins
import inspect
import pydoc
import sys
import zlib
from collections.abc import Iterator
from pathlib import Path

import griffe

OUTPUT = Path(__file__).resolve().parent / "python-objects.inv"
PACKAGE = "reference_impl"
# Where docs.python.org documents the builtins we use (all other names live on
# library/<module>.html, anchored by their full dotted name).
BUILTIN_PAGES = {"int": "functions", "bool": "functions", "object": "functions", "float": "functions"}
# Modules documented over several pages: the page of each name we use.
SPLIT_MODULES = {"asyncio.Queue": "asyncio-queue"}


def referenced_names() -> set[str]:
    """Canonical paths of every name in `reference_impl`'s annotations, bases and Raises sections."""
    package = griffe.load(PACKAGE, search_paths=[str(OUTPUT.parent.parent)], docstring_parser="google")
    names: set[str] = set()

    def walk(obj: griffe.Object) -> Iterator[griffe.Object]:
        for member in obj.members.values():
            if not member.is_alias:
                yield member  # type: ignore[misc]
                yield from walk(member)  # type: ignore[arg-type]

    for obj in walk(package):  # type: ignore[arg-type]
        exprs: list[object] = []
        if isinstance(obj, griffe.Function):
            exprs += [parameter.annotation for parameter in obj.parameters] + [obj.returns]
        if isinstance(obj, griffe.Attribute):
            exprs.append(obj.annotation)
        if isinstance(obj, griffe.Class):
            exprs += obj.bases
        if obj.docstring:
            for section in obj.docstring.parse("google"):
                if section.kind is griffe.DocstringSectionKind.raises:
                    exprs += [item.annotation for item in section.value]
        for expr in exprs:
            if isinstance(expr, griffe.Expr):
                names |= {part.canonical_path for part in expr.iterate(flat=True) if isinstance(part, griffe.ExprName)}
            elif isinstance(expr, str):
                names.add(expr)
    return {name for name in names if name.split(".")[0] != PACKAGE}


def entry(name: str) -> str:
    """One inventory line: `name domain:role priority uri dispname`."""
    if name == "None":
        return "None py:data 1 library/constants.html#$ -"
    obj = pydoc.locate(name)
    if obj is None and name not in sys.modules:
        raise SystemExit(f"{name} is not a standard-library name")
    if inspect.ismodule(obj):
        return f"{name} py:module 0 library/{name}.html#module-$ -"
    if name in vars(builtins):
        role = "exception" if isinstance(obj, type) and issubclass(obj, BaseException) else "class"
        page = "exceptions" if role == "exception" else BUILTIN_PAGES.get(name, "stdtypes")
        return f"{name} py:{role} 1 library/{page}.html#$ -"
    module = name.rsplit(".", 1)[0]
    if isinstance(obj, type) and issubclass(obj, BaseException):
        role = "exception"
    elif inspect.isclass(obj):
        role = "class"
    elif callable(obj):
        role = "function"
    else:
        role = "data"
    return f"{name} py:{role} 1 library/{SPLIT_MODULES.get(name, module)}.html#$ -"


def inventory() -> bytes:
    """The inventory file's bytes: four header lines, then zlib-compressed entries."""
    lines = "".join(entry(name) + "\n" for name in sorted(referenced_names()))
    header = (
        "# Sphinx inventory version 2\n"
        "# Project: Python\n"
        f"# Version: {sys.version_info.major}.{sys.version_info.minor}\n"
        "# The remainder of this file is compressed using zlib.\n"
    )
    return header.encode() + zlib.compress(lines.encode())


def main(argv: list[str]) -> int:
    data = inventory()
    if "--check" in argv:
        if not OUTPUT.exists() or zlib.decompress(OUTPUT.read_bytes().split(b"\n", 4)[4]) != zlib.decompress(
            data.split(b"\n", 4)[4]
        ):
            print(f"{OUTPUT.name} is stale: run python -m doctests.sitegen.inventory", file=sys.stderr)
            return 1
        return 0
    OUTPUT.write_bytes(data)
    print(zlib.decompress(data.split(b"\n", 4)[4]).decode(), end="")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
