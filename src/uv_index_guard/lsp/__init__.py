"""The language server: a pygls front end over :mod:`uv_index_guard.engine`.

``server.py`` holds the thin handlers; every feature lives in its own module and works on a
:class:`~uv_index_guard.lsp.documents.DocumentState`. Positions are converted to the client's
units only in :mod:`uv_index_guard.lsp.convert`.
"""
