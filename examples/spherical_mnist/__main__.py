"""``python -m examples.spherical_mnist``: see :mod:`examples.spherical_mnist.cli`."""

from .cli import main

if __name__ == "__main__":
    main()
