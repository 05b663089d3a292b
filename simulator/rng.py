"""Deterministic random streams: one per (seed, purpose, place), independent of run order.

Every stream is derived from the master seed and stable keys (never Python's salted `hash`),
so a province generated alone or inside a national run draws the same numbers, and the same
seed always gives byte-identical deliveries.
"""

from __future__ import annotations

import hashlib

import numpy as np


def stable_int(*keys: object) -> int:
    """A 64-bit integer that depends only on the keys' text."""
    digest = hashlib.blake2b("\x1f".join(map(str, keys)).encode(), digest_size=8).digest()
    return int.from_bytes(digest, "little")


def stream(seed: int, *keys: object) -> np.random.Generator:
    """The random stream for one purpose (e.g. `stream(seed, "villages", "54")`)."""
    return np.random.Generator(np.random.PCG64([seed, stable_int(*keys)]))
