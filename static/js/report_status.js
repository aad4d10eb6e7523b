/* The monthly report archive (reports/templates/reports/archive/list.html): every version
   still queued or building asks for its state (report-status) until it is done or failed,
   then shows its build time, checksums and download links. */
(function () {
  "use strict";
  var INTERVAL = 1500;

  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function cell(row, col) { return row.querySelector('[data-col="' + col + '"]'); }

  function fill(row, s) {
    row.dataset.status = s.status;
    var status = el("span");
    status.appendChild(el("span", { "class": "rstate " + s.status }, s.status_label));
    if (!s.finished) status.appendChild(el("progress", { "aria-label": s.status_label }));
    if (s.error) status.appendChild(el("span", { "class": "error" }, s.error));
    cell(row, "status").replaceChildren(status);
    cell(row, "built_at").replaceChildren(el("span", {}, s.built_at || "-"));
    cell(row, "checksum").replaceChildren(el("code", {}, s.checksum || "-"));
    cell(row, "data_checksum").replaceChildren(el("code", {}, s.data_checksum || "-"));
    var links = el("span", { "class": "downloads" });
    s.downloads.forEach(function (d) {
      links.appendChild(el("a", { href: d.url, title: "SHA-256 " + d.sha256, "data-format": d.format, download: "" }, d.label));
    });
    if (!s.downloads.length) links.textContent = "-";
    cell(row, "downloads").replaceChildren(links);
  }

  function poll(row) {
    var url = row.dataset.poll;
    fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (r) { if (!r.ok) throw new Error(r.status); return r.json(); })
      .then(function (s) {
        fill(row, s);
        if (s.finished) { delete row.dataset.poll; } else { setTimeout(function () { poll(row); }, INTERVAL); }
      })
      .catch(function () { setTimeout(function () { poll(row); }, INTERVAL * 4); });
  }

  document.querySelectorAll("tr[data-poll]").forEach(poll);
})();
