"""Parsing text into a :class:`~uv_index_guard.syntax.values.Document`, afresh or
incrementally from the previous version's :class:`Reparse`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from tree_sitter import Tree

from uv_index_guard.syntax.build import Builder, new_parser
from uv_index_guard.syntax.problems import BAD_ESCAPE, problems
from uv_index_guard.syntax.values import Body, Document, Table
from uv_index_guard.text import LineIndex

_PARSER: Final = new_parser()


@dataclass(slots=True)
class Reparse:
    """What an incremental parse leaves for the next one.

    ``tree`` is a copy of the document's tree for the caller to ``edit`` as the text changes
    (the document's own tree is never edited); None when the text was replaced as a whole.
    ``bodies`` are the built table bodies by their source text. The next
    :func:`parse_incremental` takes both: this object is spent afterwards.
    """

    tree: Tree | None
    bodies: dict[bytes, list[Body]]


def parse(text: str) -> Document:
    """Parse ``text`` afresh."""
    data = text.encode("utf-8", "surrogatepass")
    tree = _PARSER.parse(data)
    builder = Builder(data)
    return _document(text, data, tree, builder.build(tree.root_node), builder, None, True)


def parse_incremental(text: str, previous: Reparse | None, *, lines: LineIndex | None = None,
                      exact: bool = True) -> tuple[Document, Reparse]:
    """Parse ``text``, reusing ``previous`` (that of the version before, its tree edited to
    match): tree-sitter reparses incrementally, and the tables whose text did not change are
    reused, moved to their new offsets, instead of being built again. ``lines`` is a line
    index of ``text``, if the caller has one.

    Error recovery can read a broken text differently when it starts from an old tree, so
    by default a text with errors is parsed afresh: what is reported does not depend on the
    editing history. An edit of a broken text mostly leaves it broken: that one is parsed
    afresh at once (an error-free incremental parse reads the text as a fresh one does).
    With ``exact=False`` the incremental reparse is kept even when it finds errors, and the
    document says so (:attr:`Document.exact`); parsing the same text again from its
    :class:`Reparse` gives the exact one.
    """
    data = text.encode("utf-8", "surrogatepass")
    old = previous.tree if previous is not None else None
    tree = None
    if old is not None and (not exact or not old.root_node.has_error):
        tree = _PARSER.parse(data, old)
        if exact and tree.root_node.has_error:
            tree = None
    inexact = tree is not None and tree.root_node.has_error
    if tree is None:
        tree = _PARSER.parse(data)
    builder = Builder(data, keep_items=True)
    root = builder.build(tree.root_node, previous.bodies if previous is not None else None)
    doc = _document(text, data, tree, root, builder, lines, not inexact)
    return doc, Reparse(tree.copy(), builder.items_out or {})


def _document(text: str, data: bytes, tree: Tree, root: Table, builder: Builder,
              lines: LineIndex | None, exact: bool) -> Document:
    doc = Document(text, data, tree, lines if lines is not None else LineIndex(data), root,
                   exact=exact)
    if tree.root_node.has_error or builder.conflicts or BAD_ESCAPE.search(data):
        doc.problems = problems(doc, tree.root_node)
    return doc
