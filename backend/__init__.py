"""The SalesOS backend: a gateway and one service per bounded context."""

__version__ = "0.1.0"
