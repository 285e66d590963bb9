"""Markdown for the clients that show it, plain text for the others.

The features write Markdown; :func:`hover_for` and :func:`completion_for` turn it into what
the client said it renders (``hover.contentFormat``,
``completion.completionItem.documentationFormat``): Markdown only to a client that lists it,
plain text to the others, those that send no list included (the protocol's default; Helix
and eglot send none for completion documentation).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from lsprotocol import types

# Emphasis markers, never part of a longer run of `*` (a masked password, `****`).
_STRONG = re.compile(r"(?<!\*)\*\*(?!\*)(.+?)(?<!\*)\*\*(?!\*)")
_PLACEHOLDER = re.compile("\ue000(\\d+)\ue001")
_EMPHASIS = re.compile(r"(?<![\w*])\*(?![\s*])(.+?)(?<![\s*])\*(?![\w*])")


def plain(markdown: str) -> str:
    """The text of ``markdown`` without its markup: code spans keep their content verbatim
    (a masked `****` stays), emphasis markers go."""
    parts = markdown.split("`")
    if len(parts) % 2 == 0 or "\ue000" in markdown:  # an unmatched backtick (or our
        return markdown  # placeholder in the text): leave the text as it is
    code = parts[1::2]
    # Code spans out of the way (as private-use placeholders) while emphasis goes.
    text = "".join(part if i % 2 == 0 else f"\ue000{i // 2}\ue001"
                   for i, part in enumerate(parts))
    text = _EMPHASIS.sub(r"\1", _STRONG.sub(r"\1", text))
    return _PLACEHOLDER.sub(lambda m: code[int(m.group(1))], text)


def _wants_markdown(formats: Sequence[types.MarkupKind] | None) -> bool:
    return formats is not None and types.MarkupKind.Markdown in formats


def content(markdown: str, formats: Sequence[types.MarkupKind] | None) -> types.MarkupContent:
    if _wants_markdown(formats):
        return types.MarkupContent(types.MarkupKind.Markdown, markdown)
    return types.MarkupContent(types.MarkupKind.PlainText, plain(markdown))


def hover_for(result: types.Hover | None, caps: types.ClientCapabilities,
              ) -> types.Hover | None:
    """The hover in a format the client renders."""
    if result is None or not isinstance(result.contents, types.MarkupContent):
        return result
    hover = caps.text_document.hover if caps.text_document is not None else None
    formats = hover.content_format if hover is not None else None
    return types.Hover(contents=content(result.contents.value, formats), range=result.range)


def completion_for(result: types.CompletionList | None, caps: types.ClientCapabilities,
                   ) -> types.CompletionList | None:
    """The completion items' documentation in a format the client renders."""
    if result is None:
        return None
    completion = caps.text_document.completion if caps.text_document is not None else None
    item = completion.completion_item if completion is not None else None
    formats = item.documentation_format if item is not None else None
    if _wants_markdown(formats):
        return result
    for entry in result.items:
        doc = entry.documentation
        if isinstance(doc, types.MarkupContent):
            entry.documentation = plain(doc.value)
    return result
