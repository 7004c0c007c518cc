/* The SPARQL editor on kg serve's home page: YASGUI (vendored) set up for this server only.
 *
 * Read from the page's JSON block (kg/web/home.py): the endpoints, the project's prefixes, the
 * namespaces whose IRIs have pages on this server. A named query opened from its form runs on
 * the endpoint the form names (data-endpoint): /sparql/inferred for a query that reads the OWL
 * reasoner's inferences, else /sparql; the editor's endpoint box shows which.
 * Nothing remote is fetched: the endpoint catalogue lists only this server, there is no CORS
 * proxy and no prefix.cc lookup, and the class/property completers that ask lov.linkeddata.es are replaced by ones that ask this
 * server. Nothing is kept in localStorage (persistence off), so a reload starts afresh.
 */
(function () {
  "use strict";
  var config = JSON.parse(document.getElementById("kg-config").textContent);
  var root = document.getElementById("kg-editor");
  var status = document.getElementById("kg-status");
  if (!root || typeof Yasgui === "undefined") return;
  var endpoint = new URL(config.endpoint, window.location.href).href;
  var inferredEndpoint = new URL(config.inferredEndpoint, window.location.href).href;
  var Yasqe = Yasgui.Yasqe;

  var prefixNames = Object.keys(config.prefixes).sort();
  function declaration(prefix) {
    return prefix + ": <" + config.prefixes[prefix] + ">";
  }

  // The server declares the project's prefixes for a query that uses them without PREFIX lines
  // (kg.query.prologue), so the editor's parser does not mark them "Prefix 'fw' is not defined"
  // either; typing one still adds its PREFIX line (the completer below). The sparql11 mode is
  // wrapped before the editor is made: a project prefix's error, and only that, is taken back.
  var sparqlMode = Yasqe.modes && Yasqe.modes.sparql11;
  var UNDEFINED = /^Prefix '([^']*)' is not defined$/;
  if (sparqlMode) {
    Yasqe.defineMode("sparql11", function (options, modeOptions) {
      var mode = sparqlMode(options, modeOptions);
      var token = mode.token;
      mode.token = function (stream, state) {
        var wasOK = state.OK;
        var style = token.call(this, stream, state);
        var undefinedPrefix = wasOK && !state.OK && UNDEFINED.exec(state.errorMsg || "");
        if (undefinedPrefix && config.prefixes[undefinedPrefix[1]] !== undefined) {
          state.OK = true;
          state.errorMsg = undefined;
          state.errorStartPos = state.errorEndPos = undefined;
        }
        return style;
      };
      return mode;
    });
  }

  // The prefixes completer, with the project's prefixes instead of the bundled prefix.cc list;
  // it also adds the PREFIX line when a prefixed name is typed.
  Yasqe.forkAutocompleter("prefixes", { name: "kg-prefixes", persistenceId: null, get: prefixNames.map(declaration) }, false);

  // Classes and properties the ontology declares, as prefixed names, from this server (once).
  var TERMS =
    "SELECT DISTINCT ?term WHERE { VALUES ?kind { owl:Class rdfs:Class rdf:Property owl:ObjectProperty " +
    "owl:DatatypeProperty owl:AnnotationProperty } ?term a ?kind FILTER(isIRI(?term)) } ORDER BY ?term LIMIT 5000";
  var COMMON = ["rdf:type", "rdfs:label", "rdfs:comment", "rdfs:subClassOf", "skos:prefLabel", "skos:altLabel",
    "skos:notation", "skos:definition", "skos:broader", "skos:narrower", "skos:inScheme", "skos:exactMatch",
    "skos:closeMatch", "skos:editorialNote", "dcterms:source", "dcterms:title", "rdfs:seeAlso",
    "prov:wasDerivedFrom", "owl:sameAs", "foaf:name"];
  function compact(iri) {
    var best = null;
    prefixNames.forEach(function (prefix) {
      var ns = config.prefixes[prefix];
      if (iri.indexOf(ns) === 0 && /^[A-Za-z0-9_.-]+$/.test(iri.slice(ns.length)) &&
          (best === null || ns.length > config.prefixes[best].length)) best = prefix;
    });
    return best === null ? null : best + ":" + iri.slice(config.prefixes[best].length);
  }
  function terms() {
    var body = new URLSearchParams({ query: TERMS });
    return fetch(endpoint, { method: "POST", body: body, headers: { Accept: "application/sparql-results+json" } })
      .then(function (answer) { return answer.ok ? answer.json() : { results: { bindings: [] } }; })
      .then(function (json) {
        var found = json.results.bindings.map(function (row) { return compact(row.term.value); });
        return COMMON.concat(found.filter(Boolean)).filter(function (t, i, all) { return all.indexOf(t) === i; }).sort();
      })
      .catch(function () { return COMMON.slice(); });
  }
  Yasqe.registerAutocompleter({
    name: "kg-terms",
    bulk: true,
    autoShow: true,
    persistenceId: null,
    get: terms,
    isValidCompletionPosition: function (yasqe) {
      var token = yasqe.getCompleteToken();
      if (!/^[A-Za-z][\w.-]*:[\w.-]*$/.test(token.string)) return false;
      var cur = yasqe.getDoc().getCursor();
      var previous = yasqe.getPreviousNonWsToken(cur.line, token);
      return !(previous && previous.string && previous.string.toUpperCase() === "PREFIX");
    },
  }, false);

  if (Yasgui.Yasr && Yasgui.Yasr.plugins.table) Yasgui.Yasr.plugins.table.defaults.openIriInNewWindow = false;

  var SAMPLE =
    "PREFIX sck: <" + config.prefixes.sck + ">\nPREFIX skos: <" + config.prefixes.skos + ">\n" +
    "PREFIX fw: <" + config.prefixes.fw + ">\n\n" +
    "# The U4SSC indicators and their names. Type a prefix (u4ssc:, sck:, ...) and its PREFIX line is added.\n" +
    "SELECT ?indicator ?name WHERE {\n  ?indicator a sck:Indicator ;\n    skos:inScheme fw:u4ssc ;\n" +
    "    skos:prefLabel ?name .\n}\nORDER BY ?indicator\nLIMIT 20\n";

  // Set in the defaults, not in the config below: YASGUI merges arrays index by index, which
  // would keep the default list's fourth entry, the LOV "class" completer.
  Yasqe.defaults.autocompleters.splice(0, Yasqe.defaults.autocompleters.length, "kg-prefixes", "variables", "kg-terms");
  Yasqe.defaults.prefixCcApi = null;

  var yasgui = new Yasgui(root, {
    requestConfig: { endpoint: endpoint, method: "POST" },
    copyEndpointOnNewTab: true,
    endpointCatalogueOptions: {
      getData: function () { return [{ endpoint: endpoint }, { endpoint: inferredEndpoint }]; },
    },
    corsProxy: undefined,
    persistenceId: null,
    populateFromUrl: true, // a shared link (the share button) opens its query here
    autofocus: false,
    yasqe: {
      value: SAMPLE,
      prefixCcApi: null,
      persistenceId: null,
      createShortLink: undefined,
    },
    yasr: { prefixes: config.prefixes, persistenceId: null },
  });
  window.kgYasgui = yasgui; // for the browser tests and the curious

  // Results link a project IRI to its page on this server (kg.pages), not to w3id.org.
  function local(iri) {
    var l = config.local;
    if (iri.indexOf(l.id) === 0 && iri.length > l.id.length) return "/id/" + iri.slice(l.id.length) + ".html";
    if (iri === l.ontology) return "/ontology.html";
    if (iri.indexOf(l.terms) === 0) return "/ontology.html#" + iri.slice(l.terms.length);
    return null;
  }
  function relink(scope) {
    scope.querySelectorAll("a.iri").forEach(function (a) {
      var iri = a.getAttribute("data-iri") || a.getAttribute("href");
      var target = local(iri);
      if (target && a.getAttribute("href") !== target) {
        a.setAttribute("data-iri", iri);
        a.setAttribute("title", iri);
        a.setAttribute("href", target);
        a.removeAttribute("target");
      }
    });
  }
  new MutationObserver(function () { relink(root); }).observe(root, { childList: true, subtree: true });

  // Each named query's form opens it in the editor, its parameters bound by the server, and runs
  // it on the form's endpoint: an inferred query on /sparql would miss the rows that rest on inferences.
  document.querySelectorAll("form[data-query]").forEach(function (form) {
    var button = form.querySelector(".kg-open");
    if (!button) return;
    button.hidden = false;
    button.addEventListener("click", function () {
      if (!form.reportValidity()) return; // a field the query needs is empty (a federated query's endpoint)
      var params = new URLSearchParams(new FormData(form));
      params.set("format", "sparql");
      var name = form.getAttribute("data-query");
      var target = new URL(form.getAttribute("data-endpoint") || config.endpoint, window.location.href).href;
      status.textContent = "";
      fetch("/queries/" + encodeURIComponent(name) + "?" + params.toString())
        .then(function (answer) {
          return answer.text().then(function (text) {
            if (!answer.ok) throw new Error(text);
            var tab = yasgui.getTab();
            tab.setName(name);
            tab.setEndpoint(target);
            tab.getYasqe().setValue(text);
            root.scrollIntoView();
            // YASGUI shows a refused query's message in the results and rethrows it: caught here
            var running = tab.getYasqe().query();
            if (running && typeof running.catch === "function") running.catch(function () {});
          });
        })
        .catch(function (error) { status.textContent = String(error.message || error); });
    });
  });
})();
