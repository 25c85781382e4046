/* The field app's outbox: the mentor's visits, business reports and household assessments kept in
   IndexedDB until the REST API has stored them. Loaded by the pages (outbox.js draws it) and by the
   service worker (Background Sync sends it with no page open), so each send happens in one place.

   An item: {id (its client UUID, made when the mentor started the entry), kind, url, label,
   fields, photos: [{name, blob, size}], state, errors, message, attempts, nextAt, createdAt}.
   States: waiting → sending → sent, or → fixing (the server refused a field: the mentor corrects
   the entry and it waits again, same UUID, nothing stored yet). The server stores each UUID once,
   so sending an item again after a lost reply cannot make a second visit. */
(function (scope) {
  "use strict";

  var DB_NAME = "kube-field";
  var STORE = "outbox";
  var META = "meta";
  var LOCK = "kube-outbox-send";
  var SYNC_TAG = "kube-outbox";
  var channel = typeof BroadcastChannel !== "undefined" ? new BroadcastChannel("kube-outbox") : null;

  // Retries after a failed send: 15 s, 30 s, 1 min, 2 min ... at most 10 min apart.
  var FIRST_RETRY_MS = 15000;
  var MAX_RETRY_MS = 10 * 60 * 1000;
  // A request that has not answered in this time is dropped and retried: 30 s, plus the time the
  // body needs at 16 KB/s (a slow 3G link at its worst).
  var BASE_TIMEOUT_MS = 30000;
  var BYTES_PER_SECOND = 16000;
  // A sent item stays listed for a day (without its photos) so the mentor sees it went.
  var KEEP_SENT_MS = 24 * 60 * 60 * 1000;

  var dbPromise = null;
  function db() {
    if (!dbPromise) {
      dbPromise = scope.idb.openDB(DB_NAME, 1, {
        upgrade: function (database) {
          database.createObjectStore(STORE, { keyPath: "id" });
          database.createObjectStore(META);
        },
      });
    }
    return dbPromise;
  }

  function changed() {
    if (channel) channel.postMessage("changed");
    if (typeof scope.dispatchEvent === "function" && typeof CustomEvent !== "undefined") {
      scope.dispatchEvent(new CustomEvent("kube-outbox-changed"));
    }
  }

  function newId() {
    if (scope.crypto && crypto.randomUUID) return crypto.randomUUID();
    var b = crypto.getRandomValues(new Uint8Array(16));
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    var h = Array.prototype.map.call(b, function (x) { return (x + 256).toString(16).slice(1); }).join("");
    return h.slice(0, 8) + "-" + h.slice(8, 12) + "-" + h.slice(12, 16) + "-" + h.slice(16, 20) + "-" + h.slice(20);
  }

  function all() {
    return db().then(function (d) { return d.getAll(STORE); }).then(function (items) {
      return items.sort(function (a, b) { return a.createdAt - b.createdAt; });
    });
  }

  function get(id) { return db().then(function (d) { return d.get(STORE, id); }); }

  function put(item) {
    return db().then(function (d) { return d.put(STORE, item); }).then(function () { changed(); return item; });
  }

  function remove(id) {
    return db().then(function (d) { return d.delete(STORE, id); }).then(changed);
  }

  function getMeta(key) { return db().then(function (d) { return d.get(META, key); }); }
  function setMeta(key, value) {
    return db().then(function (d) { return d.put(META, value, key); }).then(changed);
  }

  /* A new entry, or the corrected version of one that needed fixing (same id). */
  function save(entry) {
    var item = {
      id: entry.id,
      kind: entry.kind,
      url: entry.url,
      label: entry.label,
      editUrl: entry.editUrl,
      fields: entry.fields,
      photos: entry.photos || [],
      state: "waiting",
      errors: null,
      message: "",
      attempts: 0,
      nextAt: 0,
      createdAt: entry.createdAt || Date.now(),
    };
    return put(item).then(function () { return requestSync(); }).then(function () { return item; });
  }

  /* Ask the browser to wake the service worker when the network is back (Background Sync). */
  function requestSync() {
    var ready;
    if (scope.registration) {
      ready = Promise.resolve(scope.registration);
    } else if (scope.navigator && navigator.serviceWorker) {
      // Without a worker yet (the very first page), don't wait for one.
      ready = Promise.race([navigator.serviceWorker.ready, new Promise(function (resolve) { setTimeout(resolve, 1000, null); })]);
    } else {
      ready = Promise.resolve(null);
    }
    return ready.then(function (reg) {
      if (reg && reg.sync) return reg.sync.register(SYNC_TAG).catch(function () { /* refused: the timers do it */ });
    });
  }

  function csrfToken() {
    if (typeof document !== "undefined") {
      var match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
      return Promise.resolve(match ? decodeURIComponent(match[1]) : "");
    }
    if (scope.cookieStore) {
      return scope.cookieStore.get("csrftoken").then(function (cookie) { return cookie ? cookie.value : ""; });
    }
    return Promise.resolve("");
  }

  function body(item) {
    if (item.kind !== "visit") {
      return { body: JSON.stringify(item.fields), type: "application/json", size: JSON.stringify(item.fields).length };
    }
    var data = new FormData();
    var size = 0;
    Object.keys(item.fields).forEach(function (name) {
      var value = item.fields[name];
      (Array.isArray(value) ? value : [value]).forEach(function (one) {
        if (one === null || one === undefined) return;
        data.append(name, String(one));
        size += String(one).length;
      });
    });
    item.photos.forEach(function (photo) {
      data.append("photos", photo.blob, photo.name);
      size += photo.size;
    });
    return { body: data, type: null, size: size };
  }

  function retryDelay(attempts) {
    return Math.min(MAX_RETRY_MS, FIRST_RETRY_MS * Math.pow(2, Math.max(0, attempts - 1)));
  }

  /* Send one item; resolves to what happened: "sent", "fixing", "auth", "retry". */
  function send(item, token) {
    var payload = body(item);
    var controller = new AbortController();
    var timeout = BASE_TIMEOUT_MS + Math.round((payload.size / BYTES_PER_SECOND) * 1000);
    var timer = setTimeout(function () { controller.abort(); }, timeout);
    var headers = { "X-CSRFToken": token, Accept: "application/json", "X-Requested-With": "fetch" };
    if (payload.type) headers["Content-Type"] = payload.type;
    item.state = "sending";
    item.attempts += 1;
    return put(item).then(function () {
      return fetch(item.url, {
        method: "POST", body: payload.body, headers: headers, credentials: "same-origin",
        signal: controller.signal, redirect: "manual",
      });
    }).then(function (response) {
      clearTimeout(timer);
      if (response.status === 200 || response.status === 201) {
        return response.json().catch(function () { return {}; }).then(function (stored) {
          item.state = "sent";
          item.sentAt = Date.now();
          item.serverId = stored && stored.id;
          item.photos = item.photos.map(function (p) { return { name: p.name, size: p.size }; });
          item.errors = null;
          item.message = "";
          return put(item).then(function () { return "sent"; });
        });
      }
      if (response.status === 400) {
        return response.json().catch(function () { return {}; }).then(function (problem) {
          item.state = "fixing";
          item.errors = problem.errors || {};
          item.message = problem.message || "";
          return put(item).then(function () { return "fixing"; });
        });
      }
      // 401: the session ended; 403 "CSRF Failed" or a redirect (to the login page): the session or
      // its CSRF token is no longer valid. Only logging in again helps: pause, keep the item.
      if (response.status === 401 || response.type === "opaqueredirect") return pause(item);
      if (response.status === 403) {
        return response.json().catch(function () { return {}; }).then(function (problem) {
          if (!problem.message || /csrf/i.test(problem.message)) return pause(item);
          item.state = "fixing";
          item.errors = {};
          item.message = problem.message;
          return put(item).then(function () { return "fixing"; });
        });
      }
      return failed(item, "server");
    }, function (error) {
      clearTimeout(timer);
      return failed(item, error && error.name === "AbortError" ? "timeout" : "network");
    });
  }

  function pause(item) {
    item.state = "waiting";
    return put(item).then(function () { return setMeta("paused", "auth"); }).then(function () { return "auth"; });
  }

  function failed(item, reason) {
    item.state = "waiting";
    item.lastError = reason;
    item.nextAt = Date.now() + retryDelay(item.attempts);
    return put(item).then(function () { return "retry"; });
  }

  function withLock(work) {
    // One sender at a time across the tabs and the service worker (Web Locks); a second caller
    // returns at once, the first one will see its items.
    if (scope.navigator && navigator.locks) {
      return navigator.locks.request(LOCK, { ifAvailable: true }, function (lock) { return lock ? work() : null; });
    }
    return work();
  }

  /* Send every waiting item whose time has come. `options.now`: ignore the backoff (the network
     just came back, or the mentor tapped "Kirim sekarang"). Resolves to the number still unsent. */
  function flush(options) {
    options = options || {};
    return withLock(function () {
      return getMeta("paused").then(function (paused) {
        if (paused && !options.resume) return null;
        return (paused ? setMeta("paused", null) : Promise.resolve()).then(function () {
          return csrfToken();
        }).then(function (token) {
          if (!token) return null;
          return all().then(function (items) {
            var now = Date.now();
            var due = items.filter(function (item) {
              // "sending" left behind by a closed tab or a killed worker: send it again (same UUID).
              return (item.state === "waiting" || item.state === "sending") && (options.now || !item.nextAt || item.nextAt <= now);
            });
            var sequence = Promise.resolve("sent");
            due.forEach(function (item) {
              sequence = sequence.then(function (previous) {
                // After a pause, or a failure of the network or the server, the rest waits for the
                // next round instead of failing one by one.
                if (previous === "auth" || previous === "retry") return previous;
                return send(item, token);
              });
            });
            return sequence;
          });
        });
      }).then(function () { return prune(); });
    });
  }

  function prune() {
    return all().then(function (items) {
      var old = items.filter(function (item) { return item.state === "sent" && Date.now() - item.sentAt > KEEP_SENT_MS; });
      return Promise.all(old.map(function (item) { return remove(item.id); }));
    }).then(function () {
      return all().then(function (items) { return items.filter(function (i) { return i.state !== "sent"; }).length; });
    });
  }

  scope.KubeOutbox = {
    SYNC_TAG: SYNC_TAG,
    newId: newId,
    all: all,
    get: get,
    save: save,
    remove: remove,
    flush: flush,
    requestSync: requestSync,
    paused: function () { return getMeta("paused"); },
    channel: channel,
  };
})(self);
