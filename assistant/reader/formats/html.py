"""Web pages and XHTML: the main content's headings and paragraphs (selectolax)."""

from __future__ import annotations

import logging
import re
from pathlib import Path

from selectolax.lexbor import LexborHTMLParser, LexborNode

from assistant.reader.document import Block, Document, DocumentError, from_blocks
from assistant.reader.formats.text import decode

log = logging.getLogger(__name__)

# Never read: code, forms, media and whatever a page hides.
_NEVER = (
    "script, style, noscript, template, svg, math, canvas, iframe, object, embed, video, audio, "
    "form, button, select, textarea, input, dialog, [hidden], [aria-hidden=true]"
)
# Around the content on a web page: menus, banners, side bars, footers.
_CHROME = (
    "nav, aside, menu, [role=navigation], [role=banner], [role=contentinfo], "
    "[role=complementary], [role=search]"
)
_HEADINGS = {f"h{n}": n for n in range(1, 7)}
_BLOCKS = frozenset(
    {
        "address", "article", "blockquote", "body", "caption", "dd", "details", "div", "dl", "dt",
        "figcaption", "figure", "footer", "header", "hgroup", "hr", "li", "main", "ol", "p", "pre",
        "section", "summary", "table", "tbody", "tfoot", "thead", "tr", "ul",
        *_HEADINGS,
    }
)  # fmt: skip
_SELF_CLOSED_RAW = re.compile(
    r"<(title|script|style|textarea|iframe|noscript|xmp)(\s[^<>]*?)?/>", re.IGNORECASE
)


MAX_DEPTH = 3000  # containers nested deeper than this make the parser slow (quadratic)
_CONTAINER = re.compile(r"<(/?)(?:div|span|section|article|blockquote|ul|ol|table)\b", re.I)


def parse(markup: str, name: str) -> LexborHTMLParser:
    """An HTML parser that also takes XHTML (a self-closed <title/> would swallow the page);
    DocumentError for markup nested so deeply that parsing it would take minutes."""
    depth = deepest = 0
    for tag in _CONTAINER.finditer(markup):
        depth = max(depth - 1, 0) if tag[1] else depth + 1
        deepest = max(deepest, depth)
    if deepest > MAX_DEPTH:
        raise DocumentError(f"{name} is nested too deeply ({deepest} levels) to be read.")
    return LexborHTMLParser(_SELF_CLOSED_RAW.sub(r"<\1\2></\1>", markup))


def extract(path: Path, data: bytes) -> Document:
    """The page's main content: <main>, else its one <article>, else the body without the
    menus, banners and footers around it."""
    tree = parse(decode(data, path.name), path.name)
    title = _title(tree)
    root = _main(tree)
    blocks = content_blocks(root, web_page=True) if root is not None else []
    if not title:
        title = next((b.text for b in blocks if b.level == 1), path.stem)
    return from_blocks(path, title, blocks)


def _title(tree: LexborHTMLParser) -> str:
    node = tree.css_first("title")
    return " ".join(node.text().split()) if node is not None else ""


def _main(tree: LexborHTMLParser) -> LexborNode | None:
    for node in tree.css(_NEVER):
        node.decompose()
    mains = tree.css("main, [role=main]")
    if len(mains) == 1:
        return mains[0]
    articles = tree.css("article")
    if len(articles) == 1:
        return articles[0]
    return tree.body


def content_blocks(root: LexborNode, *, web_page: bool) -> list[Block]:
    """Headings and paragraphs of `root` in document order. On a web page the menus and side
    bars go, code blocks, footers, and headers that are not inside an article, main or section."""
    for node in root.css(_NEVER):
        node.decompose()
    if web_page:  # and code: a program read aloud is noise (as in Markdown)
        for node in root.css(f"{_CHROME}, pre"):
            node.decompose()
        for node in root.css("header, footer"):
            if node.tag == "footer" or not _inside_content(node, root):
                node.decompose()
    return _walk(root)


def _inside_content(node: LexborNode, root: LexborNode) -> bool:
    parent = node.parent
    while parent is not None and parent.mem_id != root.mem_id:
        if parent.tag in ("article", "main", "section"):
            return True
        parent = parent.parent
    return root.tag in ("article", "main")


def _walk(root: LexborNode) -> list[Block]:
    """Text runs between block-level boundaries become paragraphs; without recursion, so that
    deeply nested markup cannot exhaust the stack."""
    blocks: list[Block] = []
    run: list[str] = []
    levels: list[int] = []  # the heading levels being read, innermost last
    stack: list[LexborNode | int] = [root]

    def flush() -> None:
        text = "".join(run)
        if text.strip():
            blocks.append(Block(text, levels[-1] if levels else 0))
        run.clear()

    while stack:
        item = stack.pop()
        if isinstance(item, int):  # the end of a block element (its heading level or 0)
            flush()
            if item:
                levels.pop()
            continue
        tag = item.tag or ""
        if tag == "-text":
            run.append(item.text_content or "")
            continue
        if tag == "br":
            run.append("\n")
        elif tag in ("td", "th") and "".join(run).strip():
            run.append("; ")
        elif tag == "img" and item.parent is not None and item.parent.tag == "figure":
            run.append(f" {item.attributes.get('alt') or ''} ")
        if tag in _BLOCKS:
            flush()
            level = _HEADINGS.get(tag, 0)
            if level:
                levels.append(level)
            stack.append(level)
        stack.extend(reversed(list(item.iter(include_text=True))))
    flush()
    return blocks
