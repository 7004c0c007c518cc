"""What a query worker of ``kg serve`` computes for one job: a query's answer, or a document, rendered.

A job is a query or a document. A query is either a named query with its parameter values
(``named``, ``params``: run through kg.graph.named.run_named, the path every door shares, so an
unknown framework is a 400 with "did you mean" here as on the command line) or SPARQL text
(``query``, whether it runs over the reasoner's inferences), with the format or the client's
Accept header. A document is a resource's page or data (kg.web.pages, kg.web.ontodoc for
the ontology), VoID or the service description (kg.web.void). The answer is rendered here, in
the worker (kg.web.workers), so the server process never holds a result set; an answer over
MAX_ROWS rows or MAX_ANSWER characters is refused. Jobs and answers are plain JSON objects.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import TypedDict

from kg.errors import KgError, QueryError
from kg.graph.embedded import KnowledgeGraph
from kg.graph.named import checked_text
from kg.query.catalog import NamedQuery, get_query
from kg.query.prologue import declare
from kg.query.rdfout import serialize_triples
from kg.query.results import render
from kg.web.discovery import alternates
from kg.web.markup import esc, head_links, layout
from kg.web.negotiate import DOCUMENT, GRAPH, MEDIA_TYPES, SOLUTIONS, choose_format, not_acceptable
from kg.web.ontodoc import ontology_page
from kg.web.pages import resource_page, results_page, triples_page
from kg.web.redirects import retired_iris
from kg.web.resources import ONTOLOGY, Description, describe, local_path
from kg.web.search import PARAMETER as SEARCHED
from kg.web.search import search_page
from kg.web.sitemap import INDEX, served_pages, sitemaps
from kg.web.void import INFERRED_ENDPOINT, PREFIXES_HERE, service_triples, void_triples

MAX_ROWS = 500_000
MAX_ANSWER = 50_000_000  # characters of rendered answer: the server holds each answer whole while sending it


class Job(TypedDict, total=False):
    """A job for a worker: a named query (``named``, ``params``), SPARQL text (``query``) or a document (``kind``)."""

    named: str  # a named query's name (kg.query.catalog); its header says whether it reads inferences
    params: dict[str, str]  # the named query's parameter values, as text (as kg query --param takes them)
    query: str  # SPARQL text, its prefixes declared (kg.query.prologue)
    inferred: bool  # over the reasoner's inferences too (a service description: of /sparql/inferred)
    format: str | None  # a kg.web.negotiate format name; None: by ``accept``
    accept: str | None  # the client's Accept header
    title: str  # of an HTML answer
    where: str  # what an error message names: the query's name, or "query"
    kind: str  # "resource" (with ``iri``), "void", "service", "sitemap" (with ``file``), "retired" (the moved IRIs)
    iri: str
    file: str  # a sitemap's file: sitemap.xml, or a part of it (sitemap-N.xml)
    base: str  # the server's address as the client named it (kg.web.negotiate.base_url)
    dataset: list[list[str]]  # SPARQL text's protocol dataset: [default graph IRIs, named graph IRIs]
    base_iri: str  # what SPARQL text's relative IRIs resolve against: the endpoint's address
    page: str  # an HTML answer's page: "search" (kg.web.search), else the results table


class Answer(TypedDict, total=False):
    """A worker's answer: an HTTP status, the body (an error's sentence unless 200) and its media type."""

    status: int
    body: str
    media: str


def answer_job(graph: KnowledgeGraph, job: Job) -> Answer:
    """Run one job on ``graph``: a query's answer, or the document a job with a ``kind`` asks for.

    A query the client can fix (a syntax error, an unknown name, parameter or framework, one that
    fails, an answer over MAX_ROWS rows or MAX_ANSWER characters) is a 400 whose body is the
    library's one sentence (kg.errors).
    """
    if job.get("kind"):
        return answer_document(graph, job)
    try:
        return _answer_query(graph, job)
    except KgError as error:
        return {"status": 400, "body": str(error)}


def _answer_query(graph: KnowledgeGraph, job: Job) -> Answer:
    """A query job's answer, through the library's query path (KnowledgeGraph.query and .sparql)."""
    where = job.get("where", job.get("named", "query"))
    if "named" in job and job.get("format") == "sparql":  # the text the editor opens: checked, not run
        named = get_query(job["named"])
        text = editor_text(named, checked_text(graph, named, job.get("params", {})))
        return {"status": 200, "body": text, "media": "application/sparql-query; charset=utf-8"}
    if "named" in job:
        results = graph.query(job["named"], **job.get("params", {}))  # kg.graph.named.run_named
        if len(results) > MAX_ROWS:
            raise QueryError(f"{where}: the answer has more than {MAX_ROWS:,} rows; add a LIMIT.")
    else:
        if job.get("inferred"):
            graph = graph.with_inferences()
        given = job.get("dataset")
        dataset = (given[0], given[1]) if given is not None else None
        results = graph.sparql(
            job["query"], where=where, max_rows=MAX_ROWS, dataset=dataset, base_iri=job.get("base_iri")
        )
    fmt = job.get("format")
    if fmt is None:  # the SPARQL protocol: the format follows the Accept header and the query's form
        offers = GRAPH if results.is_graph else SOLUTIONS
        chosen = choose_format(job.get("accept"), offers)
        if chosen is None:
            return {"status": 406, "body": not_acceptable(offers)}
        fmt = chosen[1]
    if fmt == "html" and job.get("page") == "search":
        body = search_page(job.get("params", {}).get(SEARCHED, ""), results)
    else:
        body = results_page(job.get("title", "Results"), results) if fmt == "html" else render(results, fmt)
    if len(body) > MAX_ANSWER:
        raise QueryError(f"{where}: the answer is over {MAX_ANSWER // 1_000_000} MB; add a LIMIT.")
    return {"status": 200, "body": body, "media": MEDIA_TYPES[fmt]}


def answer_document(graph: KnowledgeGraph, job: Job) -> Answer:
    """A document job's answer: ``kind`` resource (with ``iri``), void or service, in the format asked for.

    Raises QueryError when the data cannot be written in the format asked for (kg.query.rdfout).
    """
    kind, base = job["kind"], job.get("base", "")
    if kind == "retired":  # the table of moved IRIs kg serve reads when it starts (kg.web.redirects)
        return {"status": 200, "body": json.dumps(retired_iris(graph.store)), "media": "application/json"}
    if kind == "sitemap":  # the sitemap (or one of its parts) of the pages this server answers
        files = sitemaps(base + "/", served_pages(graph.store))
        name = job.get("file", INDEX)
        if name not in files:
            return {"status": 404, "body": f"no {name} here; see /{INDEX}."}
        return {"status": 200, "body": files[name].decode("utf-8"), "media": "application/xml; charset=utf-8"}
    fmt = job.get("format")
    if fmt is None:
        chosen = choose_format(job.get("accept"), DOCUMENT)
        if chosen is None:
            return {"status": 406, "body": not_acceptable(DOCUMENT)}
        fmt = chosen[1]
    page: Callable[[], str]
    if kind == "resource":
        iri = job["iri"]
        try:
            description = describe(graph.store, iri)
        except ValueError:  # not an IRI pyoxigraph accepts
            description = Description(iri)
        if not description:
            said = f"the graph says nothing about <{iri}>; see / and /void."
            if fmt == "html":  # a browser that followed the 303 gets a page (kg.web.deploy's 404.html on a site)
                page_404 = layout("Not found", f"<h1>Not found</h1><p>{esc(said)}</p>")
                return {"status": 404, "body": page_404, "media": MEDIA_TYPES["html"]}
            return {"status": 404, "body": said}
        triples = description.all_triples()
        if iri == ONTOLOGY:  # the ontology's page is its documentation (kg.web.ontodoc)
            page = lambda: ontology_page(graph.store)  # noqa: E731
        else:
            page = lambda: resource_page(graph.store, description)  # noqa: E731
    else:
        inferred = bool(job.get("inferred"))  # of /sparql/inferred: no query form (it posts to /sparql)
        triples = (
            void_triples(graph.store, base) if kind == "void" else service_triples(graph.store, base, inferred=inferred)
        )
        title = "VoID description of smartcity-kg" if kind == "void" else "SPARQL service description"
        page = lambda: triples_page(graph.store, title, triples, form=kind == "service" and not inferred)  # noqa: E731
    if fmt != "html":
        body = serialize_triples(triples, fmt, PREFIXES_HERE)
    elif kind == "resource":  # its head names each RDF form of it (kg.web.discovery)
        with head_links(alternates(local_path(job["iri"]) or "")):
            body = page()
    else:
        body = page()
    return {"status": 200, "body": body, "media": MEDIA_TYPES[fmt]}


def editor_text(query: NamedQuery, text: str) -> str:
    """A named query's text as the editor opens it: a comment saying what it asks, PREFIX lines, no header."""
    text = "\n".join(line for line in text.splitlines() if not line.startswith("#+")).lstrip("\n")
    note = " ".join(f"{query.title}: {query.question}".split())  # one comment line
    if query.inferred:  # the editor sends it to /sparql/inferred (kg/web/static/editor.js): say so where it is read
        note += f"\n# It reads the OWL reasoner's inferences: run it on {INFERRED_ENDPOINT}, not /sparql."
    return f"# {note}\n" + declare(text, mark=False)  # and the PREFIX lines for what it uses
