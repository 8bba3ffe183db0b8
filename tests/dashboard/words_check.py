"""What a page says to its reader, and what in it is in the wrong language.

Definitions (issue 16, "Done when"):

- What a person reads: the text of the page and its `title`, `placeholder`, `aria-label`
  and `alt` attributes; not what is inside `<script>`, `<style>`, `<code>`, `<pre>`,
  `<kbd>`, `<datalist>`, an element marked `translate="no"`, or an element whose `lang`
  is the other language (a quotation: the catalogue's titles and texts in both
  languages); not the values staff typed or the ledger holds (enterprise names, ids,
  notes, reasons, actors: `data`, removed by value before judging).
- An English sentence: three or more consecutive ASCII words (letters, with ' or -
  inside), separated only by spaces or , ; : . ( ).
- A Chinese sentence: two or more consecutive Han characters.
- A raw yuan amount (Chinese pages): a number with two decimal places not written in
  万元 or 亿元 (nor a percentage), a ¥ sign, or a number followed by 元 alone. On English
  pages: a number with two decimal places and four or more digits before them that is
  not written with ¥ and thousands separators.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

SKIPPED = {"script", "style", "code", "pre", "kbd", "datalist", "textarea"}
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source",
        "track", "wbr"}
READ_ATTRIBUTES = ("title", "placeholder", "aria-label", "alt")
ENGLISH = re.compile(r"[A-Za-z][A-Za-z'’-]*(?:[ ,;:.()]+[A-Za-z][A-Za-z'’-]*){2,}")
CHINESE = re.compile(r"[\u4e00-\u9fff]{2,}")
RAW_ZH = re.compile(r"(?<![\w.,])\d[\d,]*\.\d{2}(?!\d)(?!\s*(?:万|亿|%))|¥|￥"
                    r"|(?<![万亿\d])\d[\d,.]*\s*元")
RAW_EN = re.compile(r"(?<![¥\d.,])\d{4,}\.\d{2}(?!\d)")


class _Reader(HTMLParser):
    def __init__(self, page_lang: str):
        super().__init__(convert_charrefs=True)
        self.page_lang = page_lang
        self.stack: list[bool] = []  # for each open element: is its content skipped?
        self.texts: list[str] = []

    def _skipped(self) -> bool:
        return bool(self.stack) and self.stack[-1]

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        lang = (a.get("lang") or "").lower() if tag != "html" else ""  # the page's own
        other = bool(lang) and not lang.startswith(self.page_lang)
        skip = (self._skipped() or tag in SKIPPED or a.get("translate") == "no" or other)
        if not skip:
            for name in READ_ATTRIBUTES:
                if a.get(name):
                    self.texts.append(a[name])
            if tag == "input" and a.get("type") in ("submit", "button") and a.get("value"):
                self.texts.append(a["value"])
        if tag not in VOID:
            self.stack.append(skip)

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if tag not in VOID and self.stack:
            self.stack.pop()

    def handle_endtag(self, tag):
        if tag not in VOID and self.stack:
            self.stack.pop()

    def handle_data(self, data):
        if not self._skipped() and data.strip():
            self.texts.append(data)


def readable(html: str, lang: str) -> list[str]:
    """The pieces of text a person reads on the page."""
    reader = _Reader(lang)
    reader.feed(html)
    return reader.texts


def without(text: str, data: list[str]) -> str:
    """`text` with every value of `data` (longest first) taken out."""
    for value in data:
        if value and value in text:
            text = text.replace(value, " ")
    return text


def wrong_words(html: str, lang: str, data: list[str]) -> list[str]:
    """What on the page is in the other language, or an amount not in the page's form."""
    found = []
    for piece in readable(html, lang):
        text = without(piece, data)
        if lang == "zh":
            found += [f"English: {m!r} in {piece.strip()[:120]!r}" for m in ENGLISH.findall(text)]
            found += [f"raw yuan: {m!r} in {piece.strip()[:120]!r}" for m in RAW_ZH.findall(text)]
        else:
            found += [f"Chinese: {m!r} in {piece.strip()[:120]!r}"
                      for m in CHINESE.findall(text)]
            found += [f"raw yuan: {m!r} in {piece.strip()[:120]!r}" for m in RAW_EN.findall(text)]
    return found
