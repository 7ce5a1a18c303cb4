"""Results per network, keyed by (input version, method, params, targets, layers); the newest few are kept.

A new input has a new version, so it never meets an old result. Only complete results are stored: a cancelled or
failed computation raises before ``store`` is reached.
"""

from __future__ import annotations

import hashlib
import json
import threading
import weakref
from collections import OrderedDict

from layerwalk.errors import NotFoundError

KEEP = 8
_lock = threading.Lock()
_results: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def result_key(version: int, method: str, params: dict, targets: list[int], layers: list[str]) -> str:
    text = json.dumps([version, method, params, targets, layers], sort_keys=True, default=str)
    return hashlib.sha1(text.encode()).hexdigest()[:12]


def lookup(network, key: str):
    with _lock:
        results = _results.get(network)
        if results is None or key not in results:
            return None
        results.move_to_end(key)
        return results[key]


def store(network, result) -> None:
    with _lock:
        results = _results.setdefault(network, OrderedDict())
        results[result.key] = result
        while len(results) > KEEP:
            results.popitem(last=False)


def get(network, key: str):
    """A stored result; NotFoundError when it is unknown or was evicted."""
    found = lookup(network, key)
    if found is None:
        with _lock:
            known = list(_results.get(network, {}))
        raise NotFoundError(f"no attribution result {key!r} for this network (known: {known or 'none'}); "
                            "start one with POST /api/networks/{nid}/attributions")
    return found
