"""The layout explains itself: each tooling package's docstring names every module in it."""

from __future__ import annotations

import importlib
import pkgutil

import pytest

PACKAGES = ("doctests", "doctests.runner", "doctests.spec", "doctests.sitegen", "doctests.measure")


@pytest.mark.parametrize("name", PACKAGES)
def test_the_package_docstring_names_each_module(name: str) -> None:
    package = importlib.import_module(name)
    doc = package.__doc__ or ""
    missing = [info.name for info in pkgutil.iter_modules(package.__path__) if f"`{info.name}`" not in doc]
    missing = [module for module in missing if f".{module}`" not in doc]
    assert missing == [], f"{name}'s docstring does not name: {', '.join(missing)}"
