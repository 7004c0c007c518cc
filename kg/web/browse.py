"""The static site's index, browsable: a page per framework and per type, counted on the index page.

index.html (kg.web.site) shows two tables, by framework and by type, each row counting the
resources of a page under browse/: ``browse/framework-u4ssc.html`` lists a framework's members
(skos:inScheme) and ``browse/type-sck-Indicator.html`` the resources of a class; resources with no
type are on ``browse/untyped.html``. Every resource of the site is on at least one type page, so
every page is reached by links from the index. Built from the in-memory snapshot with direct
index lookups, like every page of the site.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pyoxigraph as ox

from kg.namespaces import PREFIXES, compact
from kg.web.markup import Labels, esc, iri_link, layout, site_link, written_at
from kg.web.resources import DEFAULT_GRAPH, RDF_TYPE, label

SKOS = PREFIXES["skos"]
UNTYPED = "browse/untyped.html"


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "-", text).strip("-")[:100] or "x"


def _types(memory: ox.Store, iris: list[str]) -> dict[str, list[str]]:
    """Class IRI ('' for none) -> its resources among ``iris``, in their order."""
    groups: dict[str, list[str]] = {}
    for iri in iris:
        types = memory.quads_for_pattern(ox.NamedNode(iri), ox.NamedNode(RDF_TYPE), None, DEFAULT_GRAPH)
        for cls in [q.object.value for q in types if isinstance(q.object, ox.NamedNode)] or [""]:
            groups.setdefault(cls, []).append(iri)
    return groups


def _frameworks(memory: ox.Store, iris: list[str], frameworks: list[str]) -> dict[str, list[str]]:
    """Framework IRI -> its members (skos:inScheme) among ``iris``, in their order."""
    on_site = set(iris)
    out = {}
    for framework in frameworks:
        quads = memory.quads_for_pattern(None, ox.NamedNode(SKOS + "inScheme"), ox.NamedNode(framework), DEFAULT_GRAPH)
        members = {q.subject.value for q in quads if isinstance(q.subject, ox.NamedNode)} & on_site
        out[framework] = [iri for iri in iris if iri in members]
    return out


class Browse:
    """The browse pages of one site: their paths, computed once, then the index's tables and the pages."""

    def __init__(self, memory: ox.Store, iris: list[str], frameworks: list[str]) -> None:
        self.memory = memory
        self.by_type = _types(memory, iris)
        self.by_framework = _frameworks(memory, iris, frameworks)
        self.paths: dict[tuple[str, str], str] = {}
        for kind, keys in (("framework", self.by_framework), ("type", self.by_type)):
            for key in keys:
                path = UNTYPED if not key else f"browse/{kind}-{_slug(compact(key).replace(':', '-'))}.html"
                while path in self.paths.values():
                    path = path.removesuffix(".html") + "-.html"
                self.paths[(kind, key)] = path

    def _name(self, iri: str) -> str:
        return (label(self.memory, ox.NamedNode(iri)) or compact(iri)) if iri else ""

    def section(self) -> str:
        """The index's 'Browse' section: a table by framework and one by type, each row a count and a page."""
        parts = ["<section id='browse'><h2>Browse</h2>"]
        for kind, groups, heading in (("framework", self.by_framework, "By framework"),
                                      ("type", self.by_type, "By type")):  # fmt: skip
            rows = "".join(
                f"<tr><td><a href='{esc(site_link('/' + self.paths[(kind, key)]))}'>"
                f"{esc(self._name(key) or 'Untyped (only linked to)')}</a></td>"
                f"<td>{iri_link(self.memory, key) if key else ''}</td><td>{len(members):,}</td></tr>"
                for key, members in sorted(groups.items(), key=lambda kv: (kv[0] == "", self._name(kv[0]), kv[0]))
            )
            head = (
                f"<tr><th scope='col'>Page</th><th scope='col'>{kind.title()}</th><th scope='col'>Resources</th></tr>"
            )
            parts.append(f"<h3>{heading}</h3><table>{head}{rows}</table>")
        parts.append("</section>")
        return "".join(parts)

    def pages(self, labels: Labels | None = None) -> Iterator[tuple[str, bytes]]:
        """Each browse page: its resources as a table (code, resource, types), linked to their pages."""
        for (kind, key), path in self.paths.items():
            members = (self.by_framework if kind == "framework" else self.by_type)[key]
            with written_at("/" + path, labels):
                title = f"{self._name(key) or 'Untyped resources'}: {len(members):,} resources"
                rows = "".join(self._row(iri, kind) for iri in members)
                head = "<tr><th scope='col'>Resource</th><th scope='col'>Code</th>"
                head += "<th scope='col'>Type</th></tr>" if kind == "framework" else "</tr>"
                about = iri_link(self.memory, key) if key else "resources with no rdf:type, only linked to"
                body = f"<h1>{esc(title)}</h1><p>{about}</p><table>{head}{rows}</table>"
                yield path, layout(title, body).encode("utf-8")

    def _row(self, iri: str, kind: str) -> str:
        node = ox.NamedNode(iri)
        notations = self.memory.quads_for_pattern(node, ox.NamedNode(SKOS + "notation"), None, DEFAULT_GRAPH)
        codes = [q.object.value for q in notations if isinstance(q.object, ox.Literal)]
        cells = [iri_link(self.memory, iri), esc(", ".join(sorted(codes)))]
        if kind == "framework":
            types = self.memory.quads_for_pattern(node, ox.NamedNode(RDF_TYPE), None, DEFAULT_GRAPH)
            cells.append(", ".join(iri_link(self.memory, q.object.value) for q in types
                                   if isinstance(q.object, ox.NamedNode)))  # fmt: skip
        return "<tr>" + "".join(f"<td>{c}</td>" for c in cells) + "</tr>"
