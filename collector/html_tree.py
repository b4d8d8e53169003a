"""Collector stage, the one HTML parser: decoded HTML text → lxml element tree, built as browsers build it.

Pure. lexbor (through selectolax) runs the HTML5 tree-construction algorithm, so a stray early
`</html>`, unclosed tags or misnested tables end where a browser ends them; its tree is then
copied into plain lxml elements, which every reader (articles, lists, Discuz!) walks.
"""

from __future__ import annotations

import re

from lxml import etree
from selectolax.lexbor import LexborHTMLParser, LexborNode

# Characters XML (and so lxml) refuses in text and attribute values: control characters and
# non-characters. Browsers show nothing for them either.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")
_PROLOG = re.compile(r"\A\s*<\?xml[^>]*\?>", re.IGNORECASE)
_NAME_JUNK = re.compile(r"[^A-Za-z0-9_.-]")


def parse_html(html: str) -> etree._Element | None:
    """The `<html>` element of a document (with `<head>` and `<body>`); None for empty input."""
    html = _PROLOG.sub("", html, count=1)
    if not html.strip():
        return None
    document = LexborHTMLParser(_NOT_XML.sub(" ", html))
    source = document.root
    if source is None:
        return None
    root = etree.Element("html")
    _copy_attributes(source, root)
    _copy_children(source, root)
    return root


def _copy_children(source: LexborNode, target: etree._Element) -> None:
    """Copy lexbor's subtree below `source` under `target` (iteratively: pages nest deeply)."""
    stack: list[tuple[LexborNode | None, etree._Element, etree._Element | None]] = [(source.child, target, None)]
    while stack:
        node, parent, last = stack.pop()
        while node is not None:
            tag = node.tag
            if tag == "-text":
                text = node.text_content or ""
                if last is None:
                    parent.text = (parent.text or "") + text
                else:
                    last.tail = (last.tail or "") + text
            elif node.is_element_node:
                element = etree.SubElement(parent, _element_name(tag))
                _copy_attributes(node, element)
                if node.child is not None:
                    stack.append((node.next, parent, element))
                    node, parent, last = node.child, element, None
                    continue
                last = element
            node = node.next  # comments, doctypes and processing instructions are not content


def _element_name(tag: str | None) -> str:
    """lexbor's tag name as a valid lxml one ("o:p" from Word becomes "o_p")."""
    name = (tag or "span").lower()
    if name.isalnum() and name.isascii():
        return name
    name = _NAME_JUNK.sub("_", name)
    return name if name[:1].isalpha() else "x" + name


def _copy_attributes(source: LexborNode, target: etree._Element) -> None:
    """Copy attributes whose names XML accepts; script-framework ones ("@click", ":class") are dropped."""
    for name, value in source.attributes.items():
        try:
            target.set(name, value or "")
        except ValueError:
            continue  # not a name lxml can hold; no reader looks at such attributes
