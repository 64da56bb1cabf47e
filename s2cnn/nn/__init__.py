"""Equivariant layers with the original s2cnn's API."""

from .s2_conv import S2Convolution
from .so3_conv import SO3Convolution, SO3Shortcut

__all__ = ["S2Convolution", "SO3Convolution", "SO3Shortcut"]
