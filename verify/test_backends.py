"""The backend protocol: dispatch order, scoping, ``only``, skipping, fallbacks, threads."""

from __future__ import annotations

import threading

import pytest
import torch

import s2cnn
from s2cnn.backends import (
    BackendError,
    BackendFallbackWarning,
    Declined,
    active_backends,
    get_backend,
    register_backend,
    set_backend,
    set_global_backend,
    skip_backend,
)


class MockBackend:
    """Records calls; returns a marker tensor, or declines when told to."""

    def __init__(self, name="mock", decline=None):
        self.name = name
        self.decline = decline
        self.calls = []

    def so3_fft(self, x, b_out):
        self.calls.append(("so3_fft", tuple(x.shape), b_out))
        if self.decline == "notimplemented":
            return NotImplemented
        if self.decline:
            raise Declined(self.decline)
        return torch.full((s2cnn.layout.so3_nspec(b_out), x.shape[0]), 7.0 + 0j)


@pytest.fixture
def x():
    return torch.randn(3, 4, 4, 4)


def _names():
    return [be.name for be, _ in active_backends()]


def test_default_is_torch():
    assert _names() == ["torch"]
    assert get_backend("torch").available()[0]


def test_set_backend_called_exactly_once_and_restored(x):
    mock = MockBackend()
    before = _names()
    with set_backend(mock):
        out = s2cnn.so3_fft(x)
        assert _names()[0] == "mock"
    assert mock.calls == [("so3_fft", (3, 4, 4, 4), 2)]
    assert torch.all(out == 7)
    assert out.shape == (10, 3)
    assert _names() == before


def test_nested_contexts_innermost_first(x):
    outer, inner = MockBackend("outer"), MockBackend("inner")
    with set_backend(outer), set_backend(inner):
        s2cnn.so3_fft(x)
    assert len(inner.calls) == 1 and not outer.calls


def test_only_raises_instead_of_falling_back(x):
    mock = MockBackend(decline="no such case here")
    with set_backend(mock, only=True), pytest.raises(BackendError, match="no such case here.*only=True"):
        s2cnn.so3_fft(x)
    assert len(mock.calls) == 1


def test_notimplemented_is_a_decline(x):
    mock = MockBackend(decline="notimplemented")
    with set_backend(mock, only=True), pytest.raises(BackendError, match="returned NotImplemented"):
        s2cnn.so3_fft(x)


def test_fallback_warns_and_names_the_reason(x):
    mock = MockBackend(decline="tensor on the wrong device")
    with set_backend(mock), pytest.warns(BackendFallbackWarning, match="tensor on the wrong device"):
        out = s2cnn.so3_fft(x)
    torch.testing.assert_close(out, s2cnn.so3_fft(x))


def test_missing_verb_falls_back_with_warning():
    mock = MockBackend()
    with set_backend(mock), pytest.warns(BackendFallbackWarning, match="does not implement s2_fft"):
        s2cnn.s2_fft(torch.randn(4, 4))


def test_skip_backend(x):
    mock = MockBackend()
    with set_backend(mock), skip_backend(mock):
        s2cnn.so3_fft(x)
    assert not mock.calls


def test_register_and_global_backend(x):
    mock = MockBackend("registered-mock")
    register_backend(mock)
    assert get_backend("registered-mock") is mock
    try:
        set_global_backend("registered-mock")
        s2cnn.so3_fft(x)
        assert len(mock.calls) == 1
        with set_backend("torch", only=True):
            s2cnn.so3_fft(x)
        assert len(mock.calls) == 1
    finally:
        set_global_backend("torch")


def test_global_only_blocks_torch_fallback(x):
    mock = MockBackend("global-only", decline="declines everything")
    try:
        set_global_backend(mock, only=True)
        with pytest.raises(BackendError, match="declines everything"):
            s2cnn.so3_fft(x)
    finally:
        set_global_backend("torch")


def test_contexts_are_thread_local(x):
    mock = MockBackend()
    seen = []

    def other():
        seen.append(_names())

    with set_backend(mock):
        t = threading.Thread(target=other)
        t.start()
        t.join()
    assert seen == [["torch"]]


def test_unknown_backend_names_the_registered_ones():
    with pytest.raises(ValueError, match=r"unknown backend 'nope'.*'torch'"):
        with set_backend("nope"):
            pass


def test_cuda_backend_is_registered_and_explains_itself():
    be = get_backend("cuda")
    ok, reason = be.available()
    assert isinstance(reason, str) and reason
    if not torch.cuda.is_available():
        assert not ok
        with set_backend("cuda", only=True), pytest.raises(BackendError, match="cuda"):
            s2cnn.so3_fft(torch.randn(4, 4, 4))


def test_only_stops_the_search():
    """``only=True`` ends the list at that backend; skipping it too leaves none (no fallback)."""
    mock = MockBackend()
    with set_backend(mock, only=True):
        assert [be.name for be, _ in active_backends()] == ["mock"]
        with skip_backend(mock):
            assert active_backends() == []
