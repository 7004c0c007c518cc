"""What every page's frame adds for people using a keyboard, a screen reader or a small screen.

The head's viewport line and icon link, the skip link that leads past the navigation to ``<main
id='main'>``, and the style every page shares on top of its own: a visible focus ring, no sideways
scrolling at 400 px (long IRIs wrap, wide tables and code scroll inside their own box) and the
skip link shown only when focused. kg.web.markup's layout and kg.web.home's editor page put them in
place, so ``kg serve`` and a static site (kg.web.publish, which writes :data:`FAVICON` at its
root) look the same. The icon is kg/web/static/favicon.svg; ``kg serve`` answers it at
``/favicon.svg`` and at ``/favicon.ico``, where browsers ask unprompted.

Landmarks: ``header`` (with the ``nav`` of the site), ``main`` (the page's own content, id
``main``) and ``footer``; classes ``skip-link`` (the link) and ``wide`` (a box that scrolls
sideways on its own, for anything that cannot wrap).
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

FAVICON = "favicon.svg"  # at the root of kg serve and of a static site
FAVICON_FILE = Path(__file__).parent / "static" / FAVICON
MAIN_ID = "main"
SKIP_LINK = f"<a class='skip-link' href='#{MAIN_ID}'>Skip to the content</a>"
VIEWPORT = "<meta name='viewport' content='width=device-width, initial-scale=1'>"
FOCUS = "#0b57d0"  # 6.5:1 on white, and on the light greys of the pages and the editor
ACCESS_STYLE = (
    "html{-webkit-text-size-adjust:100%}body{overflow-wrap:anywhere}"
    f":focus-visible{{outline:3px solid {FOCUS};outline-offset:2px}}"
    f".skip-link{{position:absolute;left:-100vw;top:.5em;background:#fff;color:{FOCUS};padding:.4em .8em;"
    f"border:2px solid {FOCUS};z-index:100}}.skip-link:focus{{left:.5em}}"
    "header nav p{margin-top:0}footer{margin-top:2em;border-top:1px solid #ccc}"
    "img,svg,video,input,select,textarea{max-width:100%}pre,.wide{overflow-x:auto;max-width:100%}"
    "pre{white-space:pre-wrap}td,th{overflow-wrap:anywhere}td:first-child,th:first-child{min-width:min(7em,30vw)}"
    "@media (max-width:40em){body{margin:1em auto;padding:0 .6em}td,th{padding:.2em .3em}}"
)


def viewport_and_icon(favicon_href: str) -> str:
    """The head's lines after the charset: the viewport and the icon (``favicon_href``: the page's link to it)."""
    return f"{VIEWPORT}<link rel='icon' type='image/svg+xml' href='{favicon_href}'>"


@cache
def favicon() -> bytes:
    """The icon's SVG (kg/web/static/favicon.svg), read once."""
    return FAVICON_FILE.read_bytes()
