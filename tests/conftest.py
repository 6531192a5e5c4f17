"""Fixtures shared by test modules, and the `full` marker's option."""

from __future__ import annotations

from collections.abc import Iterator

import pytest


@pytest.fixture(scope="module")
def browser() -> Iterator:  # type: ignore[type-arg]
    """One headless Chromium per test module, the system's (see tests/browser.py)."""
    from browser import launch
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = launch(p)
        yield b
        b.close()


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--full",
        action="store_true",
        help="also run the checks at benchmark size (marked `full`; minutes each)",
    )


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Tests marked `full` are skipped, with the reason shown, unless --full is given: the
    default run stays under the suite's 10 minutes whatever -m or node ids select."""
    if config.getoption("--full"):
        return
    skip = pytest.mark.skip(reason="a check at benchmark size: run with --full")
    for item in items:
        if "full" in item.keywords:
            item.add_marker(skip)
