"""cimlab: bring customer data together, clean it, understand it and act on it."""

from __future__ import annotations

__version__ = "0.1.0"
