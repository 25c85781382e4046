/* Behaviour every page shares. The Content-Security-Policy allows no inline script and no
   inline style attribute, so what a template would have written inline is done here. */
(function () {
  "use strict";

  // Progress bars carry their width as data-progress (0-100); htmx swaps in new ones while polling.
  function sizeProgressBars(root) {
    var bars = Array.prototype.slice.call(root.querySelectorAll("[data-progress]"));
    if (root.matches && root.matches("[data-progress]")) bars.push(root);
    bars.forEach(function (bar) {
      var percent = Math.max(0, Math.min(100, parseFloat(bar.dataset.progress) || 0));
      bar.style.width = percent + "%";
    });
  }

  // What the field app's pages (a phone on a slow link) load only after their load event: the
  // stylesheets and the scripts named in <meta name="kube-late-css"> and "kube-late-scripts".
  function loadLate() {
    var css = document.querySelector("meta[name=kube-late-css]");
    if (css) {
      css.content.split(" ").filter(Boolean).forEach(function (href) {
        var link = document.createElement("link");
        link.rel = "stylesheet";
        link.href = href;
        document.head.appendChild(link);
      });
    }
    var scripts = document.querySelector("meta[name=kube-late-scripts]");
    if (!scripts) return;
    scripts.content.split(" ").filter(Boolean).forEach(function (src) {
      var script = document.createElement("script");
      script.src = src;
      script.async = false; // executed in order: htmx after Bootstrap
      document.body.appendChild(script);
    });
  }
  if (document.readyState === "complete") loadLate();
  else window.addEventListener("load", loadLate);

  // On a phone a table reads as stacked rows (app.css); each cell shows its column's name,
  // copied here from the header so that no template repeats it.
  function labelTableCells(root) {
    root.querySelectorAll(".table-responsive > table").forEach(function (table) {
      var headerRows = table.tHead ? table.tHead.rows : [];
      if (!headerRows.length) return;
      var names = [];
      Array.prototype.forEach.call(headerRows[headerRows.length - 1].cells, function (cell) {
        for (var i = 0; i < (cell.colSpan || 1); i++) names.push(cell.textContent.trim());
      });
      var bodies = Array.prototype.slice.call(table.tBodies);
      if (table.tFoot) bodies.push(table.tFoot);
      bodies.forEach(function (body) {
        Array.prototype.forEach.call(body.rows, function (row) {
          var column = 0;
          Array.prototype.forEach.call(row.cells, function (cell) {
            if (!cell.hasAttribute("data-label") && names[column]) cell.setAttribute("data-label", names[column]);
            column += cell.colSpan || 1;
          });
        });
      });
    });
  }

  sizeProgressBars(document);
  labelTableCells(document);
  document.addEventListener("htmx:load", function (event) {
    sizeProgressBars(event.detail.elt);
    labelTableCells(document);
  });
})();
