/* The static site's search (kg publish): finds resources by label or code in the prebuilt index.
 *
 * search/index.js (written by kg publish, kg/web/sitesearch.py) sets window.kgSearchIndex, the rows
 * of search/index.json: [label, code, type, path, other names and codes joined by newlines]. A
 * script file rather than fetch() of the JSON, so that the site searches from the file system too (browsers refuse fetch() of file: URLs).
 * The text comes from the page's address (search.html?text=voter) or the form; matching is a
 * case-insensitive substring of a label, name or code, a whole label or code first, then by label,
 * at most MAX rows, as the served search (queries/search-labels.rq) orders them. Nothing is fetched
 * from another host.
 */
(function () {
  "use strict";
  var MAX = 100;
  var rows = window.kgSearchIndex || [];
  var form = document.querySelector("form.kg-search");
  var field = document.getElementById("kg-search-text");
  var out = document.getElementById("kg-search-results");
  if (!form || !field || !out) return;

  function cell(text) {
    var td = document.createElement("td");
    td.textContent = text;
    return td;
  }

  function find(text) {
    var wanted = text.toLowerCase();
    var found = [];
    rows.forEach(function (row) {
      var names = [row[0] || "", row[1] || ""].concat((row[4] || "").split("\n")).map(function (name) {
        return name.toLowerCase();
      });
      var some = names.some(function (name) { return name && name.indexOf(wanted) >= 0; });
      if (some) found.push({ row: row, whole: names.indexOf(wanted) >= 0 ? 0 : 1 });
    });
    found.sort(function (a, b) {
      if (a.whole !== b.whole) return a.whole - b.whole;
      var x = a.row[0] || "", y = b.row[0] || "";
      if (x !== y) return x < y ? -1 : 1;
      return a.row[3] < b.row[3] ? -1 : a.row[3] > b.row[3] ? 1 : 0;
    });
    return found.map(function (f) { return f.row; });
  }

  function show(text) {
    out.textContent = "";
    text = text.split(/\s+/).filter(Boolean).join(" ");
    if (!text) return;
    var found = find(text);
    var summary = document.createElement("p");
    summary.id = "kg-search-summary";
    summary.textContent = found.length + " found for \u201c" + text + "\u201d" +
      (found.length > MAX ? " (the first " + MAX + " shown; give more of the text to narrow it)" : "") + ".";
    out.appendChild(summary);
    if (!found.length) return;
    var table = document.createElement("table");
    table.id = "search-results";
    var head = document.createElement("tr");
    ["Label", "Code", "Type", "Page"].forEach(function (name) {
      var th = document.createElement("th");
      th.textContent = name;
      head.appendChild(th);
    });
    table.appendChild(head);
    found.slice(0, MAX).forEach(function (row) {
      var tr = document.createElement("tr");
      var first = document.createElement("td");
      var a = document.createElement("a");
      a.href = row[3];
      a.textContent = row[0] || row[1] || row[3];
      first.appendChild(a);
      tr.appendChild(first);
      tr.appendChild(cell(row[1] || ""));
      tr.appendChild(cell(row[2] || ""));
      tr.appendChild(cell(row[3]));
      table.appendChild(tr);
    });
    out.appendChild(table);
  }

  var given = new URLSearchParams(window.location.search).get(field.name) || "";
  field.value = given;
  show(given);
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    show(field.value);
    if (window.history && window.location.protocol !== "file:") {
      window.history.replaceState(null, "", "?" + new URLSearchParams([[field.name, field.value]]).toString());
    }
  });
})();
