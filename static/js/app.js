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

  sizeProgressBars(document);
  document.addEventListener("htmx:load", function (event) { sizeProgressBars(event.detail.elt); });
})();
