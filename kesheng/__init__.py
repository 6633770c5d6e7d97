"""kesheng (客声): voice of the customer for Mandarin-speaking businesses."""

__version__ = "0.1.0"
