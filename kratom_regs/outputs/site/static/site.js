// Sorting and filtering of the jurisdiction table, and tooltips on the maps.
// The page works without this script: the table is complete and every map shape is a link.
(function () {
  "use strict";

  function initTable() {
    var table = document.getElementById("jurisdictions");
    if (!table) { return; }
    var tbody = table.tBodies[0];
    var rows = Array.prototype.slice.call(tbody.rows);
    var text = document.getElementById("filter-text");
    var status = document.getElementById("filter-status");
    var level = document.getElementById("filter-level");
    var count = document.getElementById("filter-count");
    var form = document.getElementById("filters");

    function apply() {
      var q = text.value.trim().toLowerCase();
      var s = status.value;
      var l = level.value;
      var shown = 0;
      rows.forEach(function (tr) {
        var ok = (!q || tr.dataset.search.indexOf(q) !== -1) &&
          (!s || tr.dataset.status === s) && (!l || tr.dataset.level === l);
        tr.hidden = !ok;
        if (ok) { shown += 1; }
      });
      count.textContent = shown + " shown";
    }

    [text, status, level].forEach(function (el) {
      el.addEventListener("input", apply);
      el.addEventListener("change", apply);
    });
    form.addEventListener("submit", function (ev) { ev.preventDefault(); });

    var headers = Array.prototype.slice.call(table.tHead.rows[0].cells);
    headers.forEach(function (th) {
      th.querySelector("button").addEventListener("click", function () {
        var key = th.dataset.key;
        var dir = th.getAttribute("aria-sort") === "ascending" ? "descending" : "ascending";
        headers.forEach(function (h) { h.removeAttribute("aria-sort"); });
        th.setAttribute("aria-sort", dir);
        var sign = dir === "ascending" ? 1 : -1;
        rows.sort(function (a, b) {
          var x = a.dataset[key] || "";
          var y = b.dataset[key] || "";
          if (x === y) { return a.dataset.name.localeCompare(b.dataset.name); }
          if (!x) { return 1; }  // empty cells last in either direction
          if (!y) { return -1; }
          return sign * x.localeCompare(y);
        });
        rows.forEach(function (tr) { tbody.appendChild(tr); });
      });
    });
    apply();
  }

  function initMapTooltips() {
    // Each map shape carries its description in aria-label; an SVG <title> child shows it on hover.
    var shapes = document.querySelectorAll("figure.map svg path[aria-label]");
    Array.prototype.forEach.call(shapes, function (path) {
      var title = document.createElementNS("http://www.w3.org/2000/svg", "title");
      title.textContent = path.getAttribute("aria-label");
      path.appendChild(title);
    });
  }

  function initChangeFilters() {
    var list = document.getElementById("change-list");
    if (!list) { return; }
    var items = Array.prototype.slice.call(list.children);
    var month = document.getElementById("filter-month");
    var level = document.getElementById("filter-change-level");
    var place = document.getElementById("filter-place");
    var count = document.getElementById("change-count");
    function apply() {
      var shown = 0;
      items.forEach(function (li) {
        var ok = (!month.value || li.dataset.month === month.value) &&
          (!level.value || li.dataset.level === level.value) && (!place.value || li.dataset.id === place.value);
        li.hidden = !ok;
        if (ok) { shown += 1; }
      });
      count.textContent = shown + " shown";
    }
    [month, level, place].forEach(function (el) { el.addEventListener("change", apply); });
    document.getElementById("change-filters").addEventListener("submit", function (ev) { ev.preventDefault(); });
    apply();
  }

  initTable();
  initChangeFilters();
  initMapTooltips();
}());
