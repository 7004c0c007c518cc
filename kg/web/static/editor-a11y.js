/* What the editor's (YASGUI's) controls need to be usable with a screen reader, set once they exist.
 *
 * kg/web/static/editor.js builds the editor; YASGUI (vendored, left unchanged) draws its endpoint
 * box, the query text area and, after a query, the results filter without labels, and puts its
 * "add tab" button inside the list of tabs (a tablist may hold only tabs). This names each input,
 * makes the button a tab of the list and wraps the query's long lines, each time YASGUI redraws.
 */
(function () {
  "use strict";
  var root = document.getElementById("kg-editor");
  if (!root) return;
  var NAMES = [
    [".yasqe textarea", "SPARQL query"],
    [".yasgui .autocomplete", "SPARQL endpoint"],
    [".tabsList .tab input", "Tab name"],
    [".yasr input[type='search'], .yasr .dataTables_filter input, .yasr .dt-search input", "Filter the results"],
    [".yasr select", "Rows per page"],
  ];
  function fix() {
    NAMES.forEach(function (pair) {
      root.querySelectorAll(pair[0]).forEach(function (input) {
        if (!input.getAttribute("aria-label") && !input.labels?.length) input.setAttribute("aria-label", pair[1]);
      });
    });
    // YASGUI inserts each new tab before the button's box, so the button stays in the list: a tab that adds one.
    root.querySelectorAll(".tabsList .addTab:not([role])").forEach(function (button) {
      button.setAttribute("role", "tab");
      button.setAttribute("aria-selected", "false");
    });
    // Long lines wrap rather than scroll the editor sideways (a scrolling box the keyboard cannot reach).
    root.querySelectorAll(".CodeMirror").forEach(function (element) {
      var editor = element.CodeMirror;
      if (editor && !editor.getOption("lineWrapping")) editor.setOption("lineWrapping", true);
    });
  }
  fix();
  new MutationObserver(fix).observe(root, { childList: true, subtree: true });
})();
