"""kesheng (客声): voice of the customer for Mandarin-speaking businesses.

This package is the roof: the `kesheng` command and what only it needs. The floor is `core`.
"""

from core import __version__

__all__ = ["__version__"]
