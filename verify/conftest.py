"""Shared pytest configuration: seeds (``S2CNN_SEED`` overrides) and the device option."""

from __future__ import annotations

import os

import numpy as np
import pytest
import torch

SEED = int(os.environ.get("S2CNN_SEED", "1234"))


def pytest_addoption(parser):
    parser.addoption("--device", default="cpu", help="torch device for the backend suites")


@pytest.fixture
def device(request) -> str:
    return request.config.getoption("--device")


@pytest.fixture(autouse=True)
def _seed():
    torch.manual_seed(SEED)
    np.random.seed(SEED % (2**32))  # noqa: NPY002 - also seed code that uses the legacy global state
    yield


def pytest_report_header(config):
    return f"s2cnn verify: seed {SEED} (set S2CNN_SEED to change), torch {torch.__version__}"
