"""Fixtures of the service tests: `cluster`, a distributed deployment of the test's own
(tests/service/distributed.py)."""

from __future__ import annotations

from tests.service.distributed import cluster

__all__ = ["cluster"]
