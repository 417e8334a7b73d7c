/* Cổng Sáng kiến — submission form improvements. The form works without this file.
 * 1. a live character counter that counts exactly as the server does (initiatives/rules.py);
 * 2. cascading workplace lists (province → superior union → grassroots union);
 * 3. a type-ahead search for the grassroots union that ignores diacritics and case (server-side). */
(function () {
  "use strict";

  // Same edge white space as rules._EDGE_SPACE; same line-break rule as rules._LINE_BREAKS.
  var EDGE = /^[ \t\n\v\f\r\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff]+|[ \t\n\v\f\r\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff]+$/g;

  function normalise(text) {
    return text.normalize("NFC").replace(/\r\n|\r|\n/g, "\n").replace(EDGE, "");
  }

  function countCharacters(text) {
    return Array.from(normalise(text)).length; // code points, as Python's len()
  }
  window.csk = { normalise: normalise, countCharacters: countCharacters };

  function setupCounter() {
    var box = document.getElementById("id_description");
    var out = document.getElementById("description-counter");
    if (!box || !out) return;
    var limit = parseInt(box.getAttribute("data-limit"), 10);
    var template = out.getAttribute("data-template") || "N/LIMIT";
    box.setAttribute("aria-describedby", ((box.getAttribute("aria-describedby") || "") + " description-counter").trim());
    function update() {
      var n = countCharacters(box.value);
      out.textContent = template.replace("N", n.toLocaleString("vi-VN")).replace("LIMIT", limit.toLocaleString("vi-VN"));
      out.classList.toggle("text-danger", n > limit);
      out.classList.toggle("fw-bold", n > limit);
    }
    box.addEventListener("input", update);
    update();
  }

  function fetchUnits(params) {
    var base = document.querySelector(".workplace-search").getAttribute("data-url");
    return fetch(base + "?" + new URLSearchParams(params).toString(), { headers: { Accept: "application/json" } })
      .then(function (r) { return r.ok ? r.json() : { results: [] }; })
      .then(function (data) { return data.results; });
  }

  function fill(select, items, chosen) {
    var first = select.options[0];
    select.textContent = "";
    select.appendChild(first);
    items.forEach(function (u) {
      var opt = document.createElement("option");
      opt.value = u.code;
      opt.textContent = u.name;
      if (u.code === chosen) opt.selected = true;
      select.appendChild(opt);
    });
  }

  function setupWorkplace() {
    var search = document.querySelector(".workplace-search");
    if (!search || !window.fetch) return;
    document.querySelectorAll(".js-hide").forEach(function (el) { el.hidden = true; });
    var province = document.getElementById("id_province");
    var superior = document.getElementById("id_superior");
    var unit = document.getElementById("id_unit");
    var query = document.getElementById("id_unit_query");
    var results = document.getElementById("unit-results");
    var empty = document.getElementById("unit-results-empty");

    function close() {
      results.hidden = true;
      query.setAttribute("aria-expanded", "false");
    }

    function loadSuperiors(chosen) {
      fill(superior, [], "");
      fill(unit, [], "");
      if (!province.value) return Promise.resolve();
      return fetchUnits({ parent: province.value }).then(function (items) { fill(superior, items, chosen); });
    }
    function loadUnits(chosen) {
      fill(unit, [], "");
      if (!superior.value) return Promise.resolve();
      return fetchUnits({ parent: superior.value }).then(function (items) { fill(unit, items, chosen); });
    }
    province.addEventListener("change", function () { loadSuperiors(""); });
    superior.addEventListener("change", function () { loadUnits(""); });

    function choose(item) {
      province.value = item.province;
      loadSuperiors(item.superior).then(function () {
        superior.value = item.superior;
        return loadUnits(item.code);
      }).then(function () {
        unit.value = item.code;
        close();
        query.value = item.name;
        unit.focus();
      });
    }

    var timer = null;
    query.setAttribute("role", "combobox");
    query.setAttribute("aria-controls", "unit-results");
    query.setAttribute("aria-expanded", "false");
    query.setAttribute("aria-autocomplete", "list");
    query.addEventListener("input", function () {
      clearTimeout(timer);
      var text = query.value.trim();
      if (text.length < 2) { close(); empty.hidden = true; return; }
      timer = setTimeout(function () {
        fetchUnits({ q: text }).then(function (items) {
          results.textContent = "";
          empty.hidden = items.length > 0;
          if (!items.length) { close(); return; }
          items.forEach(function (item) {
            var b = document.createElement("button");
            b.type = "button";
            b.className = "list-group-item list-group-item-action";
            b.setAttribute("role", "option");
            b.textContent = item.name;
            b.addEventListener("click", function () { choose(item); });
            results.appendChild(b);
          });
          results.hidden = false;
          query.setAttribute("aria-expanded", "true");
        });
      }, 200);
    });
    query.addEventListener("keydown", function (e) {
      if (e.key === "ArrowDown") {
        var first = results.querySelector("button");
        if (first) { e.preventDefault(); first.focus(); }
      } else if (e.key === "Enter") {
        e.preventDefault(); // Enter in the search box must not submit the whole form
      }
    });
    results.addEventListener("keydown", function (e) {
      var t = e.target;
      if (e.key === "ArrowDown" && t.nextElementSibling) { e.preventDefault(); t.nextElementSibling.focus(); }
      if (e.key === "ArrowUp") { e.preventDefault(); (t.previousElementSibling || query).focus(); }
      if (e.key === "Escape") { close(); query.focus(); }
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    // A refused form comes back with its summary at the top: put the focus there, so that a
    // screen reader reads it and the keyboard's next Tab leads into the form.
    var errors = document.getElementById("form-errors");
    if (errors) { errors.focus(); }
    setupCounter();
    setupWorkplace();
  });
})();
