"""Every internal link and anchor of the built site resolves; external links are listed.

This reads the HTML files with the standard library: no browser, nothing fetched.
"""

from __future__ import annotations

from pathlib import Path

from .builtsite import check_links
from .report import SUMMARY, write_json


def test_internal_links_and_anchors_resolve(site_dir: Path, artifacts: Path) -> None:
    """Each href/src inside the site names an existing file, and each #anchor an existing id."""
    report = check_links(site_dir)
    write_json(
        artifacts / "links.json",
        {"checked": report.checked, "broken": report.broken, "external": report.external},
    )
    SUMMARY["external_links"] = report.external
    assert report.checked > 0, "no internal link found: the parser or the build is broken"
    assert not report.broken, f"{len(report.broken)} broken internal link(s):\n" + "\n".join(report.broken)
