"""The table cache (``s2cnn._cache``): bounded, least recently used out first, its counters
exact, safe to share between threads, and silent on disk.

The thread test does not wait for a lucky interleaving: the cache's map is replaced by one
that hands the interpreter to another thread in the middle of each operation (``time.sleep(0)``
releases the GIL), so a cache without its lock has other threads evict, insert and count
inside every lookup and fails on the first rounds (checked by removing the lock, 2026-12-07).
"""

from __future__ import annotations

import os
import threading
import time
from collections import OrderedDict

import pytest
import torch

import s2cnn
from s2cnn import _cache


def _counting_cache(maxsize):
    calls = []

    @_cache.table_cache(maxsize=maxsize)
    def build(b, dtype, device):
        calls.append((b, dtype, device))
        return torch.full((b,), float(b), dtype=dtype, device=device)

    _cache._all_caches.remove(build.cache)  # keep the test's builder out of cache_info()
    return build, calls


def test_least_recently_used_goes_first():
    build, calls = _counting_cache(maxsize=2)
    cpu = torch.device("cpu")
    one = build(1, torch.float64, cpu)
    build(2, torch.float64, cpu)
    assert build(1, torch.float64, cpu) is one  # 1 is now the most recent
    build(3, torch.float64, cpu)  # evicts 2, not 1
    assert list(build.cache.data) == [(1, torch.float64, cpu), (3, torch.float64, cpu)]
    assert build(1, torch.float64, cpu) is one
    build(2, torch.float64, cpu)
    assert [c[0] for c in calls] == [1, 2, 3, 2]
    assert (build.cache.hits, build.cache.misses) == (2, 4)


def test_key_names_bandwidth_dtype_and_device():
    build, calls = _counting_cache(maxsize=8)
    cpu, meta = torch.device("cpu"), torch.device("meta")
    keys = [(4, torch.float32, cpu), (4, torch.float64, cpu), (5, torch.float32, cpu), (4, torch.float32, meta)]
    tables = [build(*k) for k in keys]
    assert calls == keys
    for k, t in zip(keys, tables, strict=True):
        assert build(*k) is t and (t.numel(), t.dtype, t.device) == k
    assert len(calls) == len(keys)


def test_clear_caches_empties_every_table_cache():
    s2cnn.wigner.wigner_d_table_so3(3, 3, torch.float64, "cpu")
    assert any(v["size"] for v in _cache.cache_info().values())
    _cache.clear_caches()
    assert all(v == {**v, "size": 0, "hits": 0, "misses": 0} for v in _cache.cache_info().values())
    assert "s2cnn.wigner._table" in s2cnn.cache_info()
    s2cnn.wigner.wigner_d_table_so3(3, 3, torch.float64, "cpu")
    assert s2cnn.cache_info()["s2cnn.wigner._table"]["size"] == 1
    s2cnn.clear_caches()
    assert s2cnn.cache_info()["s2cnn.wigner._table"]["size"] == 0


def test_clear_caches_frees_the_cuda_backends_tables():
    from s2cnn.backends.cuda import _tables  # no cupy needed: the tables are torch tensors

    t = _tables.contraction_table("analysis", True, 3, 3, torch.float32, "cpu")
    assert _tables.contraction_table("analysis", True, 3, 3, torch.float32, "cpu") is t
    assert s2cnn.cache_info()["s2cnn.backends.cuda._tables._contraction_table"]["size"] >= 1
    s2cnn.clear_caches()
    assert s2cnn.cache_info()["s2cnn.backends.cuda._tables._contraction_table"]["size"] == 0
    assert _tables.contraction_table("analysis", True, 3, 3, torch.float32, "cpu") is not t


def test_building_tables_writes_no_files(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("HOME", str(tmp_path))
    _cache.clear_caches()
    s2cnn.s2_ifft(s2cnn.s2_fft(torch.randn(2, 8, 8, dtype=torch.float64)))
    s2cnn.so3_ifft(s2cnn.so3_fft(torch.randn(2, 8, 8, 8, dtype=torch.float32)))
    assert any(v["misses"] for v in s2cnn.cache_info().values())  # tables were built here
    assert list(os.walk(tmp_path)) == [(str(tmp_path), [], [])]


class _YieldingDict(OrderedDict):
    """An OrderedDict that gives the GIL away inside each operation the cache makes on it."""

    def __contains__(self, key):
        found = super().__contains__(key)
        time.sleep(0)
        return found

    def move_to_end(self, key, last=True):
        time.sleep(0)
        super().move_to_end(key, last)

    def __getitem__(self, key):
        time.sleep(0)
        return super().__getitem__(key)

    def __setitem__(self, key, value):
        time.sleep(0)
        super().__setitem__(key, value)

    def __len__(self):
        n = super().__len__()
        time.sleep(0)
        return n

    def popitem(self, last=True):
        time.sleep(0)
        return super().popitem(last)


@pytest.mark.parametrize("threads, rounds, keys, maxsize", [(8, 300, 5, 3)])
def test_shared_between_threads(threads, rounds, keys, maxsize):
    built = []
    counter_lock = threading.Lock()

    def fn(k):
        with counter_lock:
            built.append(k)
        return ("table", k)

    cache = _cache._LRU(fn, maxsize)
    cache.data = _YieldingDict()
    errors, wrong = [], []
    start = threading.Barrier(threads)

    def worker(seed):
        start.wait()
        try:
            for i in range(rounds):
                k = (seed * 7 + i * 3) % keys
                if cache(k) != ("table", k):
                    wrong.append(k)
        except Exception as e:  # noqa: BLE001 - any error inside the cache is the failure
            errors.append(repr(e))

    pool = [threading.Thread(target=worker, args=(s,)) for s in range(threads)]
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    assert not errors, errors[:3]
    assert not wrong
    assert len(cache.data) <= maxsize
    assert cache.hits + cache.misses == threads * rounds
    assert cache.misses == len(built)


def test_concurrent_misses_return_one_table():
    """Two threads that miss one key at once both build it (outside the lock); the first to
    finish is stored and both callers get that one object, so no caller holds a twin."""
    both_building = threading.Barrier(2)

    def fn(k):
        both_building.wait(timeout=30)
        return [k]  # a distinct object per build

    cache = _cache._LRU(fn, 4)
    got = []
    pool = [threading.Thread(target=lambda: got.append(cache(0))) for _ in range(2)]
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    assert cache.misses == 2 and len(got) == 2
    assert got[0] is got[1] is cache.data[(0,)]
