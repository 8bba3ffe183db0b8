"""The language of the API's words: `message` and `text` as the caller's Accept-Language asks.

Codes, fields and amounts never change with the language: only the words do.
`Accept-Language: zh-CN` (or any zh) answers in Chinese, with amounts in 万元 and
dates as 2025年7月1日 inside the words; anything else, or no header, answers the
contract's English, the very words `grants apply` prints.
"""

from __future__ import annotations

from flask import Response, g, request

from web import words

_TOKEN = "grants_words"


def speak() -> None:
    """Before a request: speak the language the caller accepts."""
    wanted = request.accept_languages.best_match(words.LANGUAGES)
    g.setdefault(_TOKEN, words.start_speaking(words.reader_for(wanted)))


def said(response: Response) -> Response:
    """After it: name the language of the words, and that it depends on the header."""
    response.headers["Content-Language"] = "zh-CN" if words.reader().zh else "en"
    response.vary.add("Accept-Language")
    return response


def done(_error=None) -> None:
    token = g.pop(_TOKEN, None)
    if token is not None:
        words.stop_speaking(token)
