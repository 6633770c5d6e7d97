"""The floor every package stands on: settings, the exception hierarchy, logging setup, the version.

It imports no stage; stages and entry points import it.
"""

__version__ = "0.1.0"
