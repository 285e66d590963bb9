"""Where uv takes an index's credentials from, what the index says to them, and moving a token
out of the configuration file.

* :mod:`~uv_index_guard.credentials.resolve`: uv's lookup order over an index (pure: the
  environment and the credential stores are passed in).
* :mod:`~uv_index_guard.credentials.stores`: the stores themselves: netrc, uv's
  ``credentials.toml`` (``uv auth login``) and keyring.
* :mod:`~uv_index_guard.credentials.settings`: the configuration files uv reads and its
  keyring provider.
* :mod:`~uv_index_guard.credentials.probe` and :mod:`~uv_index_guard.credentials.hints`: one
  request to the index as uv would make it, and the status in words.
* :mod:`~uv_index_guard.credentials.doctor` and :mod:`~uv_index_guard.credentials.fix`: the
  ``doctor`` and ``fix`` commands.

Nothing here prints a password or a token: reports carry the source and the username only.
"""
