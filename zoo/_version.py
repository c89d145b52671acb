"""The radzoo version (one place; the package root and the validator read it from here)."""
__version__ = "0.1.0"
