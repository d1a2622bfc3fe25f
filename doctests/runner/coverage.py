"""Coverage measured while the examples run: table rows, public names, lines and branches.

Public names, by definition:

* every class in `reference_impl.__all__`, plus every public class and
  function defined in `reference_impl.datastructures` and
  `reference_impl.transitions` (data such as `TABLE` or `ANY` is not a name
  here: it cannot be "called");
* for each such class, the public methods and properties it defines itself
  (inherited ones count for the class that defines them), plus `__call__`.

A class counts as exercised when an example constructs it (its own
`__init__`/`__new__` runs) or, for an enum, when an example shows one of its
members. A method or property counts when an example calls it *directly*: a
call from inside the implementation (`receive` called by `receive_text`) does
not count, but a call from the in-memory peer does (it plays the server). The
calls are seen with `sys.setprofile`, so nothing is wrapped or patched.
"""

from __future__ import annotations

import enum
import importlib
import inspect
import json
import re
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from types import CodeType, FrameType, FunctionType, ModuleType
from typing import Any

from doctests.reference import MODULES, PACKAGE

MODULES_WITH_PUBLIC_NAMES = tuple(module.name for module in MODULES if module.public_names)
# Calls made from these modules' code are the implementation talking to itself.
IMPLEMENTATION_MODULES = tuple(module.name for module in MODULES if module.internal)


@dataclass
class PublicName:
    """One public name: `name` as written in reports, and where it may be rendered."""

    name: str  # e.g. "WebSocket.receive", "transitions.find", "URL"
    anchors: tuple[str, ...]  # id suffixes that count as rendered, e.g. ("WebSocket.receive",)
    codes: tuple[CodeType, ...] = ()  # code objects whose direct call exercises it
    enum: type[enum.Enum] | None = None


def _function(obj: Any) -> FunctionType | None:
    """The plain function behind a method, static/class method or property getter."""
    if isinstance(obj, property):
        obj = obj.fget
    if isinstance(obj, (staticmethod, classmethod)):
        obj = obj.__func__
    return obj if isinstance(obj, FunctionType) else None


def public_classes_and_functions() -> dict[str, Any]:
    """Short display name -> object, per the definition in this module's docstring."""
    package = importlib.import_module(PACKAGE)
    found: dict[str, Any] = {name: getattr(package, name) for name in package.__all__}
    for module_name in MODULES_WITH_PUBLIC_NAMES:
        module = importlib.import_module(module_name)
        short = module_name.rsplit(".", 1)[1]
        for name, obj in vars(module).items():
            if name.startswith("_") or getattr(obj, "__module__", None) != module_name:
                continue
            if any(obj is known for known in found.values()):
                continue
            if inspect.isclass(obj):
                found[name] = obj
            elif inspect.isfunction(obj):
                found[f"{short}.{name}"] = obj
    return found


def public_names() -> list[PublicName]:
    """Every public name with the code objects that exercise it."""
    top = public_classes_and_functions()
    classes = [obj for obj in top.values() if inspect.isclass(obj)]
    names = []
    for display, obj in top.items():
        if inspect.isfunction(obj):
            names.append(PublicName(display, (display,), (obj.__code__,)))
            continue
        constructors = tuple(
            function.__code__ for key in ("__init__", "__new__") if (function := _function(vars(obj).get(key)))
        )
        is_enum = issubclass(obj, enum.Enum)
        names.append(PublicName(obj.__name__, (obj.__name__,), constructors, obj if is_enum else None))
        if is_enum:
            continue
        for member, value in vars(obj).items():
            function = _function(value)
            if function is None or (member.startswith("_") and member != "__call__"):
                continue
            # An inherited member may be rendered under any public subclass.
            anchors = tuple(f"{cls.__name__}.{member}" for cls in classes if issubclass(cls, obj))
            names.append(PublicName(f"{obj.__name__}.{member}", anchors, (function.__code__,)))
    return names


def _all_codes(module: ModuleType) -> Iterator[CodeType]:
    """Every code object compiled from `module`'s source, nested ones included."""
    source = inspect.getsourcefile(module)
    stack: list[Any] = []
    for obj in vars(module).values():
        stack += [obj] + (list(vars(obj).values()) if inspect.isclass(obj) else [])
    seen: set[CodeType] = set()
    while stack:
        obj = stack.pop()
        function = _function(obj)
        code = function.__code__ if function is not None else obj if isinstance(obj, CodeType) else None
        if code is None or code in seen or code.co_filename != source:
            continue
        seen.add(code)
        yield code
        stack += [const for const in code.co_consts if isinstance(const, CodeType)]


class CallRecorder:
    """Records which public names the examples call directly, with `sys.setprofile`."""

    def __init__(self, names: list[PublicName]) -> None:
        self.names = names
        self.by_code = {code: name.name for name in names for code in name.codes}
        self.enums = {name.enum: name.name for name in names if name.enum is not None}
        self.enum_codes = {getattr(enum.Enum, key).__code__ for key in ("__repr__", "__str__", "__format__")}
        self.internal = {code for module in IMPLEMENTATION_MODULES for code in _all_codes(sys.modules[module])}
        self.called: set[str] = set()
        self.active = True  # off while examples that do not count run (the FastAPI and Starlette flavours)

    def _profile(self, frame: FrameType, event: str, arg: Any) -> None:
        if event != "call" or not self.active:
            return
        code = frame.f_code
        if code in self.enum_codes:
            name = self.enums.get(type(frame.f_locals.get("self")))  # type: ignore[arg-type]
            if name is not None:
                self.called.add(name)
            return
        name = self.by_code.get(code)
        if name is not None and (frame.f_back is None or frame.f_back.f_code not in self.internal):
            self.called.add(name)

    def __enter__(self) -> CallRecorder:
        sys.setprofile(self._profile)
        return self

    def __exit__(self, *exc: object) -> None:
        sys.setprofile(None)

    def missing(self) -> list[str]:
        """Public names no example called."""
        return [name.name for name in self.names if name.name not in self.called]


class _Ids(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.ids: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for key, value in attrs:
            if key == "id" and value:
                self.ids.add(value)


def rendered_ids(site: Path) -> set[str]:
    """Every element id in the built reference pages (mkdocstrings gives each object one)."""
    parser = _Ids()
    for page in sorted((site / "reference").rglob("*.html")):
        parser.feed(page.read_text(encoding="utf-8"))
    return parser.ids


def missing_from_reference(names: list[PublicName], ids: set[str]) -> list[str]:
    """Public names for which no rendered heading id ends in one of their anchors."""
    missing = []
    for name in names:
        pattern = re.compile(r"(?:^|\.)(?:" + "|".join(re.escape(anchor) for anchor in name.anchors) + r")$")
        if not any(pattern.search(element_id) for element_id in ids):
            missing.append(name.name)
    return missing


@dataclass
class CodeCoverage:
    """Line and branch coverage of `reference_impl` from the examples alone."""

    lines: tuple[int, int]
    branches: tuple[int, int]
    missing: dict[str, str] = field(default_factory=dict)  # file -> missing lines/branches

    @staticmethod
    def percent(part: tuple[int, int]) -> float:
        covered, total = part
        return 100.0 * covered / total if total else 100.0


def start_code_coverage() -> Any:
    """Start measuring `reference_impl`; call before it is imported."""
    import coverage

    cov = coverage.Coverage(data_file=None, branch=True, source_pkgs=[PACKAGE])
    cov.start()
    return cov


def stop_code_coverage(cov: Any) -> CodeCoverage:
    """Stop measuring and summarise, with the missing lines per file."""
    cov.stop()
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "coverage.json"
        cov.json_report(outfile=str(out))
        data = json.loads(out.read_text())
    totals = data["totals"]
    missing = {}
    for file, info in data["files"].items():
        gaps = [str(line) for line in info["missing_lines"]]
        gaps += [f"{a}->{b}" for a, b in info.get("missing_branches", [])]
        if gaps:
            missing[file] = ", ".join(gaps)
    return CodeCoverage(
        (totals["covered_lines"], totals["num_statements"]),
        (totals["covered_branches"], totals["num_branches"]),
        missing,
    )
