"""briefgen: prepare negotiators, from case files to briefs, offer sheets and archives."""

__version__ = "0.1.0"
