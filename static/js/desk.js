// The JOC desk's keyboard, clock and layout: ages that keep counting, the side panel that
// folds away, and shortcuts (j/k next/previous, o/Enter open, a acknowledge, / search,
// ? the list). Keys typed in a text box, list or button are left alone. No inline handlers.
(function () {
  "use strict";

  // Ages: each row carries its creation time (data-since); the age beside the clock time is
  // counted here, so a row's HTML is the same for every viewer and every moment.
  function age(since) {
    var minutes = Math.max(0, Math.floor((Date.now() - since) / 60000));
    if (minutes < 1) return "now";
    if (minutes < 60) return minutes + " min";
    var hours = Math.floor(minutes / 60);
    if (hours < 48) return hours + " h " + String(minutes % 60).padStart(2, "0");
    return Math.floor(hours / 24) + " d";
  }

  function tick() {
    document.querySelectorAll(".age[data-since]").forEach(function (el) {
      var since = Date.parse(el.dataset.since);
      if (!isNaN(since)) el.textContent = " · " + age(since);
    });
  }

  // The side panel (map, overdue list, resources) folds away; the choice is remembered.
  function setUpSidePanel() {
    var button = document.getElementById("side-toggle");
    var grid = document.getElementById("desk-grid");
    if (!button || !grid) return;
    function apply(collapsed) {
      grid.classList.toggle("side-collapsed", collapsed);
      button.setAttribute("aria-expanded", String(!collapsed));
      button.textContent = collapsed ? "Show map and resources" : "Hide map and resources";
      window.dispatchEvent(new Event("resize"));
    }
    apply(localStorage.getItem("watchline.side") === "collapsed");
    button.addEventListener("click", function () {
      var collapsed = !grid.classList.contains("side-collapsed");
      localStorage.setItem("watchline.side", collapsed ? "collapsed" : "shown");
      apply(collapsed);
    });
  }

  // Shortcuts.
  var selectedId = null;

  function rows() {
    return Array.prototype.slice.call(document.querySelectorAll("#queue tbody tr[data-pin]"));
  }

  function selected() {
    return selectedId && document.getElementById(selectedId);
  }

  function select(row) {
    rows().forEach(function (other) { other.classList.remove("is-selected"); });
    if (!row) return;
    row.classList.add("is-selected");
    selectedId = row.id;
    var link = row.querySelector("a[href]");
    if (link) link.focus({ preventScroll: true });
    row.scrollIntoView({ block: "nearest" });
  }

  function move(step) {
    var list = rows();
    if (!list.length) return;
    var index = list.indexOf(selected());
    var next = index === -1 ? (step > 0 ? 0 : list.length - 1) : index + step;
    select(list[Math.max(0, Math.min(list.length - 1, next))]);
  }

  function say(text) {
    var status = document.getElementById("desk-status");
    if (status) status.textContent = text;
  }

  function acknowledgeRow(row) {
    if (row.dataset.status !== "new") {
      say(row.dataset.label + " is already acknowledged.");
      return;
    }
    row.watchlineRetry = function () { acknowledgeRow(row); };
    htmx.ajax("POST", row.dataset.acknowledge, {
      source: row,
      swap: "none",
      values: { version: row.dataset.version },
    }).then(function () {
      say("Acknowledge sent for " + row.dataset.label + ".");
    });
  }

  function acknowledge() {
    var row = selected();
    if (row) return acknowledgeRow(row);
    var button = document.querySelector('#incident-panel form[action$="/acknowledge/"] button[type=submit]');
    if (button) button.click();
  }

  function open() {
    var row = selected();
    if (row) window.location.href = row.dataset.url;
  }

  function typing(target) {
    if (!target || !target.closest) return false;
    return Boolean(target.isContentEditable || target.closest("input, textarea, select, dialog[open]"));
  }

  var KEYS = {
    j: function () { move(1); },
    k: function () { move(-1); },
    o: open,
    Enter: open,
    a: acknowledge,
    "/": function () {
      var search = document.querySelector("#queue-filters input[type=search]");
      if (search) { search.focus(); search.select(); }
    },
    "?": function () {
      var dialog = document.getElementById("shortcuts");
      if (dialog && !dialog.open) dialog.showModal();
    },
  };

  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey || typing(event.target)) return;
    // On a link or a button, Enter does what it always does.
    if (event.key === "Enter" && event.target.closest && event.target.closest("a, button")) return;
    var action = KEYS[event.key];
    if (!action) return;
    event.preventDefault();
    action();
  });

  document.addEventListener("click", function (event) {
    var opener = event.target.closest && event.target.closest("[data-shortcuts-open]");
    if (opener) KEYS["?"]();
  });

  // Keep the selection and the ages across queue reloads and live rows (a live row arrives
  // as an out-of-band swap, which settles without htmx:afterSettle on the queue).
  function keepSelection() {
    var row = selected();
    if (row) row.classList.add("is-selected");
    tick();
  }
  document.addEventListener("htmx:afterSettle", keepSelection);
  document.addEventListener("htmx:oobAfterSwap", keepSelection);
  document.addEventListener("htmx:load", tick);
  document.addEventListener("DOMContentLoaded", function () {
    setUpSidePanel();
    tick();
    setInterval(tick, 15000);
  });
})();
