"""Check every link of a built HTML site offline: nothing is fetched.

Every ``href`` and ``src`` of every ``.html`` page under the site folder must either resolve to a
file inside the site — with its ``#fragment``, when it has one, an ``id`` (or ``name``) on the target
page — or start with one of the allowed external prefixes (``ALLOWED_EXTERNAL_LINKS`` in
``docs/conf.py``), which are accepted as written and never fetched. Anything else (another scheme,
an absolute path, a file outside the site) is broken.
"""

from __future__ import annotations

import sys
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

LINK_ATTRIBUTES = ("href", "src")
#: schemes that name no resource to check (a data: image is inline)
INLINE_SCHEMES = ("data",)


class BrokenLinks(Exception):
    """One or more links of the site do not resolve offline; ``problems`` lists them."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        shown = "\n  ".join(problems[:50])
        more = f"\n  ... and {len(problems) - 50} more" if len(problems) > 50 else ""
        super().__init__(f"{len(problems)} broken link(s):\n  {shown}{more}")


class _PageParser(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.anchors: set[str] = set()
        self.links: list[tuple[int, str, str]] = []

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            if value is None:
                continue
            if name == "id" or (name == "name" and tag == "a"):
                self.anchors.add(value)
            elif name in LINK_ATTRIBUTES:
                self.links.append((self.getpos()[0], name, value))

    handle_startendtag = handle_starttag


def _parse(page: Path) -> _PageParser:
    parser = _PageParser()
    parser.feed(page.read_text(encoding="utf-8"))
    parser.close()
    return parser


def find_broken_links(site: Path, allowed_external: tuple[str, ...] = ()) -> list[str]:
    """Every link of every page under ``site`` that does not resolve, as ``page:line: attr=value (why)``."""
    site = Path(site).resolve()
    pages = {page: _parse(page) for page in sorted(site.rglob("*.html"))}
    problems = []
    for page, parsed in pages.items():
        where = page.relative_to(site)
        for line, attr, value in parsed.links:
            reason = _check(page, value, site, pages, allowed_external)
            if reason:
                problems.append(f"{where}:{line}: {attr}={value!r} ({reason})")
    return problems


def _check(page: Path, value: str, site: Path, pages: dict, allowed: tuple[str, ...]) -> str | None:
    value = value.strip()
    if any(value.startswith(prefix) for prefix in allowed):
        return None
    parts = urlsplit(value)
    if parts.scheme in INLINE_SCHEMES:
        return None
    if parts.scheme or parts.netloc:
        return "external link not in ALLOWED_EXTERNAL_LINKS of docs/conf.py"
    if parts.path.startswith("/"):
        return "absolute path: does not resolve offline"
    target = (page.parent / unquote(parts.path)).resolve() if parts.path else page
    if target != site and site not in target.parents:
        return "points outside the site"
    if target.is_dir():
        target = target / "index.html"
    if not target.is_file():
        return "no such file"
    fragment = unquote(parts.fragment)
    if fragment and target.suffix == ".html":
        parsed = pages.get(target) or _parse(target)
        if fragment not in parsed.anchors:
            return f"no anchor #{fragment} in {target.relative_to(site)}"
    return None


def check_site(site: Path, allowed_external: tuple[str, ...] = ()) -> None:
    """Raise :class:`BrokenLinks` listing every link under ``site`` that does not resolve offline."""
    if not any(Path(site).rglob("*.html")):
        raise BrokenLinks([f"{site}: no HTML page"])
    problems = find_broken_links(site, allowed_external)
    if problems:
        raise BrokenLinks(problems)


if __name__ == "__main__":
    try:
        check_site(Path(sys.argv[1]), tuple(sys.argv[2:]))
    except BrokenLinks as exc:
        print(exc, file=sys.stderr)
        sys.exit(1)
