/* The visit form on a phone: a UUID made here (so a resend stores one visit), the location
   from the browser when the mentor allows it, and a draft in localStorage when sending fails. */
(function () {
  "use strict";
  var form = document.getElementById("visit-form");
  if (!form) return;
  var key = form.dataset.draftKey;
  var banner = document.getElementById("draft-banner");
  var bannerText = document.getElementById("draft-message");
  var submit = document.getElementById("visit-submit");
  var submitLabel = submit.textContent;
  var statusText = document.querySelector("#location-status span");

  function newUuid() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    var b = crypto.getRandomValues(new Uint8Array(16));
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    var h = Array.prototype.map.call(b, function (x) { return (x + 256).toString(16).slice(1); }).join("");
    return h.slice(0, 8) + "-" + h.slice(8, 12) + "-" + h.slice(12, 16) + "-" + h.slice(16, 20) + "-" + h.slice(20);
  }

  function fields() {
    return Array.prototype.filter.call(form.elements, function (el) {
      return el.name && el.type !== "file" && el.name !== "csrfmiddlewaretoken" && el.type !== "submit";
    });
  }

  function saveDraft() {
    var data = {};
    fields().forEach(function (el) {
      if (el.type === "checkbox") {
        data[el.name] = data[el.name] || [];
        if (el.checked) data[el.name].push(el.value);
      } else {
        data[el.name] = el.value;
      }
    });
    try { localStorage.setItem(key, JSON.stringify({ fields: data, savedAt: Date.now() })); } catch (e) { /* storage full or off */ }
  }

  function readDraft() {
    try { return JSON.parse(localStorage.getItem(key) || "null"); } catch (e) { return null; }
  }

  function clearDraft() {
    try { localStorage.removeItem(key); } catch (e) { /* ignore */ }
  }

  function restore(draft) {
    fields().forEach(function (el) {
      if (!(el.name in draft.fields)) return;
      var value = draft.fields[el.name];
      if (el.type === "checkbox") el.checked = value.indexOf(el.value) !== -1;
      else el.value = value;
    });
  }

  function showBanner(message) {
    bannerText.textContent = message;
    banner.classList.remove("d-none");
    banner.scrollIntoView({ block: "start" });
  }

  function locate() {
    if (!navigator.geolocation) { statusText.textContent = form.dataset.msgNolocation; return; }
    statusText.textContent = form.dataset.msgLocating;
    navigator.geolocation.getCurrentPosition(function (position) {
      var c = position.coords;
      form.elements.latitude.value = c.latitude.toFixed(6);
      form.elements.longitude.value = c.longitude.toFixed(6);
      form.elements.accuracy_m.value = Math.round(c.accuracy || 0);
      statusText.textContent = form.dataset.msgLocated.replace("%s", Math.round(c.accuracy || 0));
    }, function () {
      statusText.textContent = form.dataset.msgNolocation;
    }, { enableHighAccuracy: true, timeout: 20000, maximumAge: 60000 });
  }

  function send() {
    saveDraft();
    submit.disabled = true;
    submit.textContent = form.dataset.msgSending;
    fetch(form.action || window.location.href, {
      method: "POST",
      body: new FormData(form),
      credentials: "same-origin",
      headers: { "X-Requested-With": "fetch" }
    }).then(function (response) {
      if (response.ok) {
        return response.json().then(function (answer) {
          clearDraft();
          window.location.assign(answer.url);
        });
      }
      // The server refused the input: show its page with the messages (the draft stays).
      return response.text().then(function (html) {
        document.open();
        document.write(html);
        document.close();
      });
    }).catch(function () {
      submit.disabled = false;
      submit.textContent = submitLabel;
      showBanner(form.dataset.msgOffline);
    });
  }

  var photos = document.getElementById("id_photos");
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    if (photos && photos.files.length > Number(photos.dataset.max)) {
      photos.classList.add("is-invalid");
      return;
    }
    send();
  });
  document.getElementById("draft-resend").addEventListener("click", function () { send(); });
  document.getElementById("draft-discard").addEventListener("click", function () {
    clearDraft();
    banner.classList.add("d-none");
  });
  document.getElementById("locate").addEventListener("click", locate);

  if (!form.dataset.bound) {
    var draft = readDraft();
    if (draft) {
      restore(draft);
      showBanner(form.dataset.msgRestored);
    } else {
      form.elements.client_uuid.value = newUuid();
    }
  }
  if (!form.elements.latitude.value) locate();
  else statusText.textContent = form.dataset.msgLocated.replace("%s", form.elements.accuracy_m.value || "?");
})();
