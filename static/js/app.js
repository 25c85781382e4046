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

  sizeProgressBars(document);
  document.addEventListener("htmx:load", function (event) { sizeProgressBars(event.detail.elt); });
})();
