"""The dataset described for search engines: a schema.org ``Dataset`` in JSON-LD, in the head of the home pages.

Dataset search engines read a ``<script type="application/ld+json">`` holding a schema.org
Dataset (https://schema.org/Dataset): its name, description, licence, version, creator, when it
last changed and its distributions (``DataDownload``: the dumps ``kg publish`` writes, each with
its media type, URL, size and SHA-256, schema.org's ``sha256``). It states what the VoID
description (kg.web.void) states, from the same constants (kg.version), under the same IRI.
The context is given inline (schema.org's terms by ``@vocab``), so it reads offline too.
``dateModified`` is the latest ``dcterms:modified`` or ``dcterms:created`` date the graph states
(the ontology's header, the project's dated evidence): a date from the data, never the clock.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import pyoxigraph as ox

from kg.namespaces import PREFIXES
from kg.version import CREATOR, DATA_LICENSE, __version__
from kg.web.void import DATASET, DESCRIPTION

SCHEMA = "https://schema.org/"
CONTEXT = {"@vocab": SCHEMA, **{key: {"@type": "@id"} for key in ("url", "license", "contentUrl")}}
CREATOR_NAME = "smartcity-kg"  # the data's foaf:name of agent:smartcity-kg (data/u4ssc/actors.ttl)
_LATEST = (
    f"SELECT (MAX(?d) AS ?latest) {{ VALUES ?p {{ <{PREFIXES['dcterms']}modified> <{PREFIXES['dcterms']}created> }} "
    f"?s ?p ?d FILTER(DATATYPE(?d) = <{PREFIXES['xsd']}date>) }}"
)


def date_modified(store: ox.Store) -> str | None:
    """The latest xsd:date the graph gives as a dcterms:modified or dcterms:created, or None."""
    answer = store.query(_LATEST, default_graph=ox.DefaultGraph(), named_graphs=[])
    if not isinstance(answer, ox.QuerySolutions):  # a bug: the query is a SELECT
        raise TypeError("not a SELECT query")
    row = next(iter(answer), None)
    value = row[0] if row is not None else None
    return value.value if isinstance(value, ox.Literal) else None


def dataset(
    url: str, *, dumps: Sequence[tuple[str, str, int, str]] = (), modified: str | None = None
) -> dict[str, Any]:
    """The schema.org Dataset of the site or server at ``url`` (its home page, absolute).

    ``dumps`` are (absolute URL, media type, bytes, SHA-256) of each data dump; ``modified``
    an ISO date (:func:`date_modified`).
    """
    described: dict[str, Any] = {
        "@context": CONTEXT,
        "@type": "Dataset",
        "@id": DATASET,
        "name": "smartcity-kg",
        "description": DESCRIPTION,
        "url": url,
        "license": DATA_LICENSE,
        "version": __version__,
        "isAccessibleForFree": True,
        "creator": {"@type": "Organization", "@id": CREATOR, "name": CREATOR_NAME},
    }
    if modified is not None:
        described["dateModified"] = modified
    if dumps:
        described["distribution"] = [
            {
                "@type": "DataDownload",
                "contentUrl": link,
                "encodingFormat": media,
                "contentSize": f"{size} B",
                "sha256": digest,
            }
            for link, media, size, digest in dumps
        ]
    return described


def script(described: dict[str, Any]) -> str:
    """``described`` as the ``<script type="application/ld+json">`` of a page's head ("</" never inside)."""
    text = json.dumps(described, ensure_ascii=False).replace("</", "<\\/")
    return f'<script type="application/ld+json">{text}</script>'
