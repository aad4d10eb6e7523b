"""`make test` runs pytest without arguments, so it collects only the configured testpaths:
an app whose tests are left out of that list would never run in CI."""

import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_every_app_with_tests_is_collected():
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    testpaths = set(config["tool"]["pytest"]["ini_options"]["testpaths"])
    apps_with_tests = {
        p.parent.parent.name
        for p in ROOT.glob("*/tests/__init__.py")
        if not p.parent.parent.name.startswith(".")
    }
    assert apps_with_tests, "no app test packages found"
    assert apps_with_tests <= testpaths, sorted(apps_with_tests - testpaths)
