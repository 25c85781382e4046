/* The field app's forms (visit, monthly business report, household assessment): checked in the
   browser, then put into the outbox (outbox-core.js) instead of being posted, so a dropped link
   loses nothing. A form marks itself with data-outbox-kind and says where the API takes it.

   Each new entry gets a fresh client UUID when the form opens, never one of an earlier entry: a
   page kept offline carries the UUID of the day it was kept, so the one in the HTML is replaced.
   Opened with ?outbox=<id> the form is that entry again (it needed fixing): same UUID, its
   answers, its photos and the server's message next to each field. */
(function () {
  "use strict";
  var form = document.querySelector("form[data-outbox-kind]");
  if (!form || !window.KubeOutbox) return;
  var outbox = window.KubeOutbox;
  var d = form.dataset;
  var kind = d.outboxKind;
  var rename = JSON.parse(d.outboxRename || "{}");
  var fixed = JSON.parse(d.outboxFixed || "{}");
  var uuidInput = form.querySelector("input[name=client_uuid]");
  var submit = form.querySelector("[type=submit]");
  var photos = []; // {name, blob, size, url}
  var location_ = null; // {latitude, longitude, accuracy_m, located_at}
  var editing = null;
  var LOCATION_FRESH_MS = 10 * 60 * 1000;
  var GOOD_ACCURACY_M = 100;

  function pad(n) { return (n < 10 ? "0" : "") + n; }
  function isoDay(date) { return date.getFullYear() + "-" + pad(date.getMonth() + 1) + "-" + pad(date.getDate()); }
  function format(text, values) { return text.replace(/%\((\w+)\)s/g, function (_, key) { return values[key]; }); }

  function start() {
    if (!uuidInput) {
      uuidInput = document.createElement("input");
      uuidInput.type = "hidden";
      uuidInput.name = "client_uuid";
      form.appendChild(uuidInput);
    }
    uuidInput.value = outbox.newId();
    // Today's date on the phone, not the day the page was kept.
    var today = new Date();
    form.querySelectorAll("input[data-default=today]").forEach(function (input) { input.value = isoDay(today); });
    form.querySelectorAll("input[data-default=last-month]").forEach(function (input) {
      var last = new Date(today.getFullYear(), today.getMonth() - 1, 1);
      input.value = last.getFullYear() + "-" + pad(last.getMonth() + 1);
    });
  }

  // --- Collecting the answers -------------------------------------------------------------------

  function apiName(name) { return rename[name] || name; }
  function formName(api) {
    for (var key in rename) if (rename[key] === api) return key;
    return api;
  }

  function value(input) {
    var v = input.value.trim();
    if (input.type === "month" && v) return v + "-01";
    // Rupiah amounts are typed as "Rp 1.250.000": digits (and a minus) only.
    if (input.inputMode === "numeric" && input.type === "text") return v.replace(/[^0-9-]/g, "");
    return v;
  }

  function collect() {
    var fields = {};
    Object.keys(fixed).forEach(function (key) { fields[key] = fixed[key]; });
    Array.prototype.forEach.call(form.elements, function (input) {
      if (!input.name || input.type === "file" || input.type === "submit" || input.type === "button") return;
      if (input.name === "csrfmiddlewaretoken" || input.dataset.outboxSkip !== undefined) return;
      var name = apiName(input.name);
      if (input.type === "checkbox") {
        fields[name] = fields[name] || [];
        if (input.checked) fields[name].push(input.value);
        return;
      }
      var v = value(input);
      if (v !== "") fields[name] = v;
    });
    if (location_) Object.keys(location_).forEach(function (key) { fields[key] = location_[key]; });
    fields.client_uuid = uuidInput.value;
    return fields;
  }

  function restore(item) {
    Array.prototype.forEach.call(form.elements, function (input) {
      if (!input.name || input.type === "file" || input.name === "csrfmiddlewaretoken") return;
      var stored = item.fields[apiName(input.name)];
      if (input.type === "checkbox") input.checked = Array.isArray(stored) && stored.indexOf(input.value) >= 0;
      else if (input.type === "month" && stored) input.value = String(stored).slice(0, 7);
      else if (stored !== undefined && input.type !== "hidden") input.value = stored;
    });
    if (item.fields.latitude !== undefined) {
      location_ = {};
      ["latitude", "longitude", "accuracy_m", "located_at"].forEach(function (k) { location_[k] = item.fields[k]; });
      showLocation();
    }
    uuidInput.value = item.id;
    photos = (item.photos || []).filter(function (p) { return p.blob; }).map(function (p) {
      return { name: p.name, blob: p.blob, size: p.size, url: URL.createObjectURL(p.blob) };
    });
    drawPhotos();
    showErrors(item.errors || {}, item.message);
  }

  // --- Errors -----------------------------------------------------------------------------------

  function clearErrors() {
    form.querySelectorAll(".outbox-error").forEach(function (node) { node.remove(); });
    form.querySelectorAll(".is-invalid").forEach(function (node) { node.classList.remove("is-invalid"); });
  }

  function errorNode(text) {
    var node = document.createElement("div");
    node.className = "invalid-feedback d-block outbox-error";
    node.dataset.testid = "field-error";
    node.textContent = text;
    return node;
  }

  function showErrors(errors, message) {
    clearErrors();
    var general = [];
    Object.keys(errors).forEach(function (api) {
      var messages = [].concat(errors[api]).map(function (m) { return typeof m === "string" ? m : (m.message || JSON.stringify(m)); });
      var name = formName(api);
      var target = api === "photos" ? document.getElementById("photo-box")
        : form.querySelector("[name='" + name + "']:not([type=hidden])");
      if (!target) {
        if (api === "latitude" || api === "longitude" || api === "accuracy_m") target = document.getElementById("location-status");
      }
      if (!target) { general = general.concat(messages); return; }
      var box = target.closest("fieldset") || target.closest(".mb-3") || target.parentNode;
      if (target.classList.contains("form-control") || target.classList.contains("form-select")) target.classList.add("is-invalid");
      messages.forEach(function (text) { box.appendChild(errorNode(text)); });
    });
    var alert = document.getElementById("outbox-form-alert");
    var placed = form.querySelector(".outbox-error");
    if (general.length || (message && !placed)) {
      alert.textContent = general.length ? general.join(" ") : message;
      alert.classList.remove("d-none");
    } else {
      alert.classList.add("d-none");
    }
    var first = form.querySelector(".outbox-error, .is-invalid") || (alert.classList.contains("d-none") ? null : alert);
    if (first) first.scrollIntoView({ block: "center" });
  }

  /* The browser's own checks, plus "at least one" for required checkbox groups; the first problem
     is scrolled into view and named by the browser. */
  function valid() {
    form.querySelectorAll("fieldset[data-required-group]").forEach(function (group) {
      var boxes = group.querySelectorAll("input[type=checkbox]");
      var any = Array.prototype.some.call(boxes, function (box) { return box.checked; });
      if (boxes.length) boxes[0].setCustomValidity(any ? "" : group.dataset.requiredGroup);
    });
    if (form.checkValidity()) return true;
    var first = form.querySelector(":invalid");
    if (first) first.scrollIntoView({ block: "center" });
    form.reportValidity();
    return false;
  }

  // --- Photos (visit) ---------------------------------------------------------------------------

  var photoInput = form.querySelector("input[type=file][data-photos]");
  function kb(bytes) { return Math.max(1, Math.round(bytes / 1024)) + " KB"; }

  function drawPhotos() {
    var box = document.getElementById("photo-thumbs");
    if (!box) return;
    box.textContent = "";
    photos.forEach(function (photo, index) {
      var figure = document.createElement("figure");
      figure.className = "position-relative m-0";
      figure.dataset.testid = "photo-thumb";
      var img = document.createElement("img");
      img.src = photo.url;
      img.alt = photoInput.dataset.msgPhoto + " " + (index + 1);
      figure.appendChild(img);
      var caption = document.createElement("figcaption");
      caption.className = "small text-muted text-center";
      caption.textContent = kb(photo.size);
      figure.appendChild(caption);
      var remove = document.createElement("button");
      remove.type = "button";
      remove.className = "btn btn-light btn-sm position-absolute top-0 end-0 tap";
      remove.setAttribute("aria-label", photoInput.dataset.msgRemove);
      remove.textContent = "×";
      remove.addEventListener("click", function () {
        URL.revokeObjectURL(photo.url);
        photos.splice(index, 1);
        drawPhotos();
      });
      figure.appendChild(remove);
      box.appendChild(figure);
    });
    var total = photos.reduce(function (sum, p) { return sum + p.size; }, 0);
    var summary = document.getElementById("photo-total");
    summary.textContent = photos.length ? format(photoInput.dataset.msgTotal, { n: photos.length, size: kb(total) }) : "";
    summary.dataset.bytes = String(total);
  }

  if (photoInput) {
    photoInput.addEventListener("change", function () {
      var files = Array.prototype.slice.call(photoInput.files);
      photoInput.value = "";
      var max = Number(photoInput.dataset.max || 5);
      var status = document.getElementById("photo-total");
      if (photos.length + files.length > max) {
        status.textContent = format(photoInput.dataset.msgTooMany, { max: max });
        files = files.slice(0, Math.max(0, max - photos.length));
      }
      if (!files.length) return;
      status.textContent = photoInput.dataset.msgShrinking;
      submit.disabled = true;
      var work = Promise.resolve();
      files.forEach(function (file, i) {
        work = work.then(function () {
          return window.KubePhotos.shrink(file).then(function (shrunk) {
            var name = (file.name || "foto").replace(/\.[^.]*$/, "") + ".jpg";
            photos.push({ name: name, blob: shrunk.blob, size: shrunk.blob.size, url: URL.createObjectURL(shrunk.blob) });
            drawPhotos();
          }, function () {
            status.textContent = format(photoInput.dataset.msgNotImage, { name: file.name || i + 1 });
          });
        });
      });
      work.then(function () { submit.disabled = false; });
    });
  }

  // --- Location (visit) -------------------------------------------------------------------------

  var locationBox = document.getElementById("location-status");
  var locationText = locationBox && locationBox.querySelector("[data-location-text]");
  var locationChoice = document.getElementById("location-choice");

  function showLocation() {
    if (!locationText || !location_) return;
    locationText.textContent = location_.latitude === undefined ? locationBox.dataset.msgSkipped
      : format(locationBox.dataset.msgLocated, { m: location_.accuracy_m });
  }

  function locate() {
    return new Promise(function (resolve) {
      if (!navigator.geolocation) { resolve({ error: "unavailable" }); return; }
      locationText.textContent = locationBox.dataset.msgLocating;
      navigator.geolocation.getCurrentPosition(function (position) {
        resolve({
          latitude: position.coords.latitude.toFixed(6),
          longitude: position.coords.longitude.toFixed(6),
          accuracy_m: Math.round(position.coords.accuracy),
          located_at: new Date(position.timestamp).toISOString(),
        });
      }, function (error) {
        resolve({ error: error.code === 1 ? "denied" : "unavailable" });
      }, { enableHighAccuracy: true, timeout: 20000, maximumAge: 0 });
    });
  }

  /* A position for the visit, or the mentor's explicit choice to go on without an accurate one. */
  function position(force) {
    if (!locationBox) return Promise.resolve(true);
    if (!force && location_ && (location_.skipped || Date.now() - Date.parse(location_.located_at) < LOCATION_FRESH_MS)) {
      return Promise.resolve(true);
    }
    return locate().then(function (found) {
      if (!found.error && found.accuracy_m <= GOOD_ACCURACY_M) {
        location_ = found;
        showLocation();
        return true;
      }
      return ask(found);
    });
  }

  function ask(found) {
    return new Promise(function (resolve) {
      var text = locationChoice.querySelector("[data-choice-text]");
      if (found.error === "denied") text.textContent = locationBox.dataset.msgDenied;
      else if (found.error) text.textContent = locationBox.dataset.msgUnavailable;
      else text.textContent = format(locationBox.dataset.msgInaccurate, { m: found.accuracy_m, max: GOOD_ACCURACY_M });
      locationText.textContent = text.textContent;
      locationChoice.classList.remove("d-none");
      locationChoice.scrollIntoView({ block: "center" });
      var retry = locationChoice.querySelector("[data-choice=retry]");
      var skip = locationChoice.querySelector("[data-choice=skip]");
      function done(answer) {
        locationChoice.classList.add("d-none");
        retry.onclick = skip.onclick = null;
        resolve(answer);
      }
      retry.onclick = function () { done(null); };
      skip.onclick = function () {
        // Kept as measured, with its accuracy, so the office sees how far off it may be.
        location_ = found.error ? { skipped: true } : found;
        if (found.error) locationText.textContent = locationBox.dataset.msgSkipped;
        else showLocation();
        done(true);
      };
    }).then(function (answer) { return answer === null ? position(true) : answer; });
  }

  var locateButton = document.getElementById("locate");
  if (locateButton) locateButton.addEventListener("click", function () { position(true); });

  // --- Saving -----------------------------------------------------------------------------------

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    clearErrors();
    if (!valid()) return;
    submit.disabled = true;
    position(false).then(function () {
      var fields = collect();
      if (location_ && location_.skipped) {
        ["latitude", "longitude", "accuracy_m", "located_at"].forEach(function (k) { delete fields[k]; });
      }
      return outbox.save({
        id: uuidInput.value,
        kind: kind,
        url: d.outboxUrl,
        label: d.outboxLabel + (fields.visited_on ? " · " + fields.visited_on : fields.month ? " · " + fields.month.slice(0, 7) : ""),
        editUrl: location.pathname,
        fields: fields,
        photos: photos.map(function (p) { return { name: p.name, blob: p.blob, size: p.size }; }),
        createdAt: editing ? editing.createdAt : Date.now(),
      });
    }).then(function () {
      location.assign(d.outboxNext);
    }, function (error) {
      submit.disabled = false;
      showErrors({}, String(error));
    });
  });

  var wanted = new URLSearchParams(location.search).get("outbox");
  start();
  if (wanted) {
    outbox.get(wanted).then(function (item) {
      if (item && item.state !== "sent") {
        editing = item;
        restore(item);
      }
    });
  }
  form.dataset.ready = "1";
})();
