/* The monthly submission editor: every narrative and figure autosaves a moment after typing
   stops. Until the server has it, each change is kept in this browser's localStorage, so a
   dropped connection (or a closed tab) loses nothing: the draft is restored on the next visit
   and saved when the connection returns. A save refused because someone else saved first
   (409) keeps the text here and says so. */
(function () {
  "use strict";
  var root = document.getElementById("submission-editor");
  if (!root) return;
  var t = root.dataset;
  var csrf = root.querySelector("[name=csrfmiddlewaretoken]").value;
  var storeKey = "cdd-submission-draft-" + t.submission;
  var status = document.getElementById("save-status");
  var drafts = {};
  var timer = null;
  var busy = false;

  try { drafts = JSON.parse(localStorage.getItem(storeKey) || "{}") || {}; } catch (e) { drafts = {}; }

  function persist() {
    try {
      if (Object.keys(drafts).length) localStorage.setItem(storeKey, JSON.stringify(drafts));
      else localStorage.removeItem(storeKey);
    } catch (e) { /* storage full or disabled: the server save still runs */ }
  }

  function show(text, kind) {
    status.textContent = text;
    status.className = kind || "";
  }

  function keyOf(el) {
    return el.tagName === "TEXTAREA" ? "n:" + el.dataset.mission + ":" + el.dataset.heading : "v:" + el.dataset.indicator;
  }

  function noteOf(el) {
    return el.parentElement.querySelector(".field-note, .value-note");
  }

  var fields = Array.prototype.slice.call(root.querySelectorAll("textarea[data-mission], input.value"));
  var byKey = {};
  fields.forEach(function (el) { byKey[keyOf(el)] = el; });

  // Restore drafts that were never saved, if the server copy has not moved on since.
  var restored = false;
  Object.keys(drafts).forEach(function (k) {
    var el = byKey[k], d = drafts[k];
    if (!el || String(d.version) !== el.dataset.version) { delete drafts[k]; return; }
    if (d.text !== el.value) { el.value = d.text; restored = true; }
    else if (!d.reason) delete drafts[k];
  });
  persist();
  if (restored) show(t.tRestored, "offline");

  function pending() { return Object.keys(drafts).length > 0; }

  function schedule(delay) {
    clearTimeout(timer);
    timer = setTimeout(flush, delay);
  }

  function remember(el) {
    var k = keyOf(el);
    var old = drafts[k] || {};
    drafts[k] = { text: el.value, version: el.dataset.version, confirm: old.confirm, reason: old.reason };
    persist();
    show(t.tPending, "");
  }

  function post(url, body) {
    return fetch(url, {
      method: "POST",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf },
      body: JSON.stringify(body),
      credentials: "same-origin",
    });
  }

  function askReason(el, question) {
    var note = noteOf(el);
    note.className = "value-note error";
    note.textContent = question;
    var box = el.parentElement.querySelector(".confirm-box");
    if (box) return;
    box = document.createElement("div");
    box.className = "confirm-box";
    box.innerHTML = '<label><input type="checkbox" class="confirm"> </label><br><label><span></span> <input type="text" class="reason"></label>';
    box.querySelector("label").appendChild(document.createTextNode(t.tConfirm));
    box.querySelector("span").textContent = t.tReason;
    el.parentElement.appendChild(box);
    function update() {
      var d = drafts[keyOf(el)] || { text: el.value, version: el.dataset.version };
      d.confirm = box.querySelector(".confirm").checked;
      d.reason = box.querySelector(".reason").value;
      drafts[keyOf(el)] = d;
      persist();
      if (d.confirm && d.reason.trim()) schedule(800);
    }
    box.querySelector(".confirm").addEventListener("change", update);
    box.querySelector(".reason").addEventListener("input", update);
  }

  function saveOne(k) {
    var el = byKey[k], d = drafts[k];
    var url, body;
    if (k.charAt(0) === "n") {
      url = t.sectionUrl;
      body = { mission: el.dataset.mission, heading: el.dataset.heading, text: d.text, version: Number(d.version) };
    } else {
      url = t.valueUrl;
      body = { indicator: el.dataset.indicator, value: d.text, version: Number(d.version), confirm: !!d.confirm, reason: d.reason || "" };
    }
    return post(url, body).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (data) {
        var note = noteOf(el);
        if (response.ok) {
          el.dataset.version = String(data.version);
          var now = drafts[k];
          if (now && now.text === d.text) delete drafts[k];
          else if (now) now.version = String(data.version);  // typed again meanwhile: save that too
          persist();
          note.className = note.className.replace(" error", "");
          note.textContent = "";
          var box = el.parentElement.querySelector(".confirm-box");
          if (box && !drafts[k]) box.remove();
          return "saved";
        }
        if (data.needs_reason) { askReason(el, data.error); return "held"; }
        // Refused (bounds, lock, someone else saved first): keep the draft, say why.
        note.className += " error";
        note.textContent = data.error || String(response.status);
        return "held";
      });
    });
  }

  function flush() {
    if (busy) { schedule(500); return; }
    var keys = Object.keys(drafts).filter(function (k) {
      var d = drafts[k];
      return byKey[k] && !(d.held === d.text);
    });
    if (!keys.length) { if (!pending()) show(t.tSaved, "saved"); return; }
    busy = true;
    show(t.tSaving, "");
    var problem = false;
    var chain = Promise.resolve();
    keys.forEach(function (k) {
      chain = chain.then(function () {
        return saveOne(k).then(function (result) {
          if (result === "held") { problem = true; if (drafts[k]) drafts[k].held = drafts[k].text; persist(); }
        });
      });
    });
    chain.then(function () {
      busy = false;
      if (problem) show(t.tPending, "error");
      else if (pending()) schedule(300);
      else show(t.tSaved + " " + new Date().toLocaleTimeString("th-TH"), "saved");
    }, function () {
      // No connection: everything stays in localStorage; try again later.
      busy = false;
      show(t.tOffline, "offline");
      schedule(5000);
    });
  }

  fields.forEach(function (el) {
    el.addEventListener("input", function () { remember(el); schedule(1000); });
    el.addEventListener("blur", function () { if (pending()) schedule(0); });
  });
  window.addEventListener("online", function () { schedule(0); });
  window.addEventListener("offline", function () { show(t.tOffline, "offline"); });
  window.addEventListener("beforeunload", function (event) {
    if (pending()) { event.preventDefault(); event.returnValue = ""; }
  });

  var submitForm = document.getElementById("submit-form");
  if (submitForm) {
    submitForm.addEventListener("submit", function (event) {
      if (pending()) {
        event.preventDefault();
        show(t.tWait, "error");
        schedule(0);
      }
    });
  }
  if (pending()) schedule(0);
  root.dataset.ready = "true";  // listening: what is typed from now on is saved
})();
