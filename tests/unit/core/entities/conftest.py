from __future__ import annotations

import pytest
from entities_helpers import KEY

from streams.core.entities import EntityEncoder


@pytest.fixture(scope="session")
def encoder() -> EntityEncoder:
    return EntityEncoder(KEY)
