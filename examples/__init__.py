"""Worked examples of s2cnn on real data.

Run one with ``python -m examples.<name>`` from the repository root, e.g.
``python -m examples.spherical_mnist`` (see ``examples/README.md``).
"""
