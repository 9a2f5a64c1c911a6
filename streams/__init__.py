"""fiulink: cross-border correlation of suspicious-transaction reports between FIUs."""

__version__ = "0.1.0"
__all__ = ["__version__"]
