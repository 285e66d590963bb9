"""uv-index-guard: uv index configuration checks and a secret gate for private registries."""

__version__ = "0.1.0"
