/* The field app on every page of a mentor: installs the service worker, draws the outbox and sends
   it whenever it can (page load, the network coming back, a timer with backoff), with no tap. */
(function () {
  "use strict";
  var body = document.body;
  var mode = body.dataset.fieldApp; // "in": a mentor's page; "out": the login page
  var outbox = window.KubeOutbox;
  var panel = document.getElementById("outbox");
  if (!mode || !outbox || !panel) return;
  var msg = panel.dataset;
  var timer = null;
  // Refresh the offline copy of the mentor's pages at most this often (and on each start).
  var WARM_EVERY_MS = 15 * 60 * 1000;

  function format(text, values) {
    return text.replace(/%\((\w+)\)s/g, function (_, key) { return values[key]; });
  }

  function kb(bytes) { return Math.max(1, Math.round(bytes / 1024)) + " KB"; }

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  var BADGES = { waiting: "secondary", sending: "info", sent: "success", fixing: "danger" };

  function render() {
    return Promise.all([outbox.all(), outbox.paused()]).then(function (result) {
      var items = result[0];
      var paused = result[1];
      var unsent = items.filter(function (i) { return i.state !== "sent"; });
      panel.classList.toggle("d-none", items.length === 0);
      panel.querySelector("[data-outbox-title]").textContent = msg.msgTitle;
      var count = panel.querySelector("[data-outbox-count]");
      count.textContent = unsent.length;
      count.title = format(msg.msgCount, { n: unsent.length });
      var pause = panel.querySelector("[data-outbox-pause]");
      pause.classList.toggle("d-none", paused !== "auth");
      if (paused === "auth") {
        pause.textContent = msg.msgLogin + " ";
        var login = el("a", "btn btn-warning tap ms-1", msg.msgLoginButton);
        login.href = msg.loginUrl + "?next=" + encodeURIComponent(location.pathname + location.search);
        login.dataset.testid = "outbox-login";
        if (mode === "in") pause.appendChild(login);
      }
      var waiting = unsent.filter(function (i) { return i.state === "waiting"; });
      var send = panel.querySelector("[data-outbox-send]");
      send.classList.toggle("d-none", !waiting.length || paused === "auth" || mode !== "in" || !navigator.onLine);
      var note = panel.querySelector("[data-outbox-note]");
      var next = waiting.filter(function (i) { return i.lastError && i.nextAt; }).sort(function (a, b) { return a.nextAt - b.nextAt; })[0];
      var noteText = "";
      if (waiting.length && !navigator.onLine) noteText = msg.msgOffline;
      else if (next && paused !== "auth") {
        noteText = format(msg.msgRetry, {
          reason: msg["msg" + next.lastError.charAt(0).toUpperCase() + next.lastError.slice(1)] || next.lastError,
          time: new Date(next.nextAt).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" }),
        });
      }
      note.textContent = noteText;
      note.classList.toggle("d-none", !noteText);
      var list = panel.querySelector("[data-outbox-items]");
      list.textContent = "";
      items.forEach(function (item) {
        var row = el("li", "outbox-item border-top py-2");
        row.dataset.testid = "outbox-item";
        row.dataset.state = item.state;
        row.dataset.id = item.id;
        var line = el("div", "d-flex justify-content-between align-items-start gap-2");
        var what = el("div", "min-w-0");
        what.appendChild(el("div", "fw-semibold small", (msg["msg" + item.kind.charAt(0).toUpperCase() + item.kind.slice(1)] || item.kind) + " · " + item.label));
        if (item.photos && item.photos.length) {
          var size = item.photos.reduce(function (sum, p) { return sum + (p.size || 0); }, 0);
          what.appendChild(el("div", "small text-muted", format(msg.msgPhotos, { n: item.photos.length }) + " · " + kb(size)));
        }
        line.appendChild(what);
        var badge = el("span", "badge text-bg-" + BADGES[item.state], msg["msg" + item.state.charAt(0).toUpperCase() + item.state.slice(1)]);
        badge.dataset.testid = "outbox-state";
        line.appendChild(badge);
        row.appendChild(line);
        if (item.state === "fixing") {
          // The server's own words for each field; its general message only when it named none.
          var problems = [];
          Object.keys(item.errors || {}).forEach(function (field) { problems = problems.concat(item.errors[field]); });
          problems = problems.filter(function (p) { return typeof p === "string"; });
          var text = problems.length ? problems.join(" ") : item.message;
          if (text) {
            var why = el("div", "small text-danger", text);
            why.dataset.testid = "outbox-problem";
            row.appendChild(why);
          }
          var actions = el("div", "d-flex gap-2 mt-1");
          var fix = el("a", "btn btn-danger tap", msg.msgFix);
          fix.href = item.editUrl + (item.editUrl.indexOf("?") < 0 ? "?" : "&") + "outbox=" + encodeURIComponent(item.id);
          fix.dataset.testid = "outbox-fix";
          actions.appendChild(fix);
          var drop = el("button", "btn btn-outline-secondary tap", msg.msgRemove);
          drop.type = "button";
          drop.addEventListener("click", function () {
            if (window.confirm(msg.msgRemoveConfirm)) outbox.remove(item.id);
          });
          actions.appendChild(drop);
          row.appendChild(actions);
        }
        list.appendChild(row);
      });
      schedule(waiting, paused);
    });
  }

  /* The next timed attempt: when the earliest backoff ends. */
  function schedule(waiting, paused) {
    if (timer) clearTimeout(timer);
    timer = null;
    if (mode !== "in" || paused === "auth" || !waiting.length) return;
    var at = Math.min.apply(null, waiting.map(function (i) { return i.nextAt || 0; }));
    timer = setTimeout(function () { flush({}); }, Math.max(1000, at - Date.now()));
  }

  var flushing = null;
  function flush(options) {
    if (mode !== "in") return Promise.resolve();
    if (flushing) return flushing;
    flushing = outbox.flush(options).catch(function (error) { console.warn("outbox:", error); }).then(function () {
      flushing = null;
      return render();
    });
    return flushing;
  }
  window.KubeOutboxPage = { flush: flush, render: render };

  window.addEventListener("kube-outbox-changed", render);
  if (outbox.channel) outbox.channel.addEventListener("message", render);
  window.addEventListener("online", function () { render(); flush({ now: true }); });
  window.addEventListener("offline", render);
  panel.querySelector("[data-outbox-send]").addEventListener("click", function () { flush({ now: true }); });

  function registerWorker() {
    if (!("serviceWorker" in navigator)) return;
    navigator.serviceWorker.register(body.dataset.swUrl, { scope: "/" }).then(function () {
      return navigator.serviceWorker.ready;
    }).then(function (registration) {
      if (mode !== "in" || !navigator.onLine) return;
      var last = Number(localStorage.getItem("kube-warmed-at") || 0);
      if (Date.now() - last < WARM_EVERY_MS && !sessionStorage.getItem("kube-warm-now")) return;
      sessionStorage.removeItem("kube-warm-now");
      localStorage.setItem("kube-warmed-at", String(Date.now()));
      // After the page has loaded, so the copy never competes with what the mentor is opening.
      registration.active.postMessage({ type: "warm" });
    }).catch(function (error) { console.warn("service worker:", error); });
  }

  if (mode === "out") {
    // Logged out: the offline copy of the pages belongs to the previous session; the outbox stays.
    sessionStorage.setItem("kube-warm-now", "1");
    localStorage.removeItem("kube-warmed-at");
    if (navigator.serviceWorker && navigator.serviceWorker.controller) {
      navigator.serviceWorker.controller.postMessage({ type: "forget-pages" });
    }
  }
  render();
  // A mentor's page means a live session: resume a paused outbox and send what waits.
  if (mode === "in") flush({ resume: true, now: true });
  if (document.readyState === "complete") registerWorker();
  else window.addEventListener("load", registerWorker);
})();
