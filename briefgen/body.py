"""A case's body: its Markdown made safe for the documents, and how deep it nests.

The loader (to check) and the renderer (to build) convert the body the same
way, so a body that checks clean always lays out.
"""
from __future__ import annotations

import urllib.parse

import markdown
from markupsafe import Markup

# Elements nested in each other: a quote counts one, a list level two, emphasis
# one. WeasyPrint lays nesting out recursively: 100 quotes or 60 list levels
# still build, 1,000 nested emphases do not.
MAX_DEPTH = 60
# Elements in all (paragraphs, list items, emphasis, ...): layout time grows with them,
# inline ones the most (10,000 emphases took a minute). A real body has about ten per KB.
MAX_ELEMENTS = 2_000


class _SafeBody(markdown.treeprocessors.Treeprocessor):
    """Nests the body's headings under the brief's own, drops links and images
    that would point at local files (a relative link becomes a PDF annotation
    with the absolute path on this machine), and measures the nesting."""

    def run(self, root):
        self.md.depth, self.md.elements = _shape(root)
        for element in root.iter():
            if element.tag in ("h1", "h2", "h3", "h4", "h5"):
                element.tag = f"h{min(6, int(element.tag[1]) + 1)}"
            elif element.tag == "a" and not _is_web(element.get("href", "")):
                element.attrib.pop("href", None)
            elif element.tag == "img" and not element.get("src", "").startswith("data:"):
                element.tag, element.text = "span", f"[image: {element.get('alt') or 'not shown'}]"
                element.attrib.clear()


def _shape(root) -> tuple[int, int]:
    """How deep the elements nest, and how many there are."""
    deepest, elements, stack = 0, 0, [(root, 0)]
    while stack:  # not recursive: the tree may be deeper than Python's stack
        element, depth = stack.pop()
        deepest, elements = max(deepest, depth), elements + 1
        stack.extend((child, depth + 1) for child in element)
    return deepest, elements - 1  # the root is briefgen's, not the body's


def _is_web(url: str) -> bool:
    return urllib.parse.urlsplit(url).scheme in ("http", "https", "mailto")


def convert(text: str) -> tuple[Markup, int, int]:
    """The body as HTML, with any raw HTML in it escaped, not passed through, how
    deep its elements nest (more than Python's stack allows: -1), and how many there are."""
    md = markdown.Markdown(extensions=["tables", "sane_lists"], output_format="html")
    md.preprocessors.deregister("html_block")
    md.inlinePatterns.deregister("html")
    md.treeprocessors.register(_SafeBody(md), "briefgen-safe-body", 0)
    try:
        html = Markup(md.convert(text))
        return html, getattr(md, "depth", 0), getattr(md, "elements", 0)  # an empty body is never parsed
    except RecursionError:  # Python-Markdown itself recurses on hundreds of nested lists
        return Markup(), -1, 0


def too_deep(text: str, what: str = "the body") -> str | None:
    """What is wrong with the nesting or the size in elements of a Markdown text (the body, an offer
    sheet's intro), if a page cannot lay it out (in seconds)."""
    _, depth, elements = convert(text)
    if depth == -1 or depth > MAX_DEPTH:
        shown = "hundreds of" if depth == -1 else f"{depth}"
        return (f"{what} nests quotes, lists or emphasis {shown} levels deep, more than the {MAX_DEPTH} a page can "
                "lay out; flatten them")
    if elements > MAX_ELEMENTS:
        return (f"{what} has {elements:,} elements (paragraphs, list items, emphasis, ...), more than the "
                f"{MAX_ELEMENTS:,} a brief lays out in seconds; shorten it, or drop nested emphasis")
    return None
