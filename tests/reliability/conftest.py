"""The authorization world, built once per test process and shared by the modules of the authorization matrix
(each cell leaves it as it found it: refused writes change nothing, allowed ones act on fresh copies)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.reliability.authorization_world import World, build_world


@pytest.fixture(scope="session")
def authz_world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    yield from build_world(tmp_path_factory.mktemp("authz"), "authz")
