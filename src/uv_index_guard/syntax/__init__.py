"""TOML with positions, on tree-sitter-toml.

:func:`parse` turns text into a :class:`Document`: a tree of :class:`Table`, :class:`Array`
and :class:`Scalar` values, each with its UTF-8 byte span, whatever TOML spelling produced it
(headers, arrays of tables, dotted keys, quoted keys, inline tables). Parsing is error-tolerant:
tree-sitter keeps going past a syntax error, and whatever it could read is in the tree.
:func:`parse_incremental` does the same from the previous version's :class:`Reparse`.

Spec-level validity (duplicate keys, a table defined twice, an invalid escape) is decided by
``tomli`` 2.4+ (TOML 1.1, what uv 0.13 reads) and ``tomllib`` (TOML 1.0, what pip and build
backends read), which are only asked when tree-sitter found an error or the tree builder met a
conflict, so valid documents are parsed once.

The package by concern: ``values`` (the value tree and the document), ``build`` (from
tree-sitter's tree, reusing unchanged tables), ``decode`` (scalars), ``problems`` (the spec's
verdict) and ``parse``.
"""

from uv_index_guard.syntax.build import TOML_LANGUAGE, new_parser
from uv_index_guard.syntax.parse import Reparse, parse, parse_incremental
from uv_index_guard.syntax.values import Array, Document, Entry, Scalar, SyntaxProblem, Table, Value

__all__ = ["TOML_LANGUAGE", "Array", "Document", "Entry", "Reparse", "Scalar", "SyntaxProblem",
           "Table", "Value", "new_parser", "parse", "parse_incremental"]
