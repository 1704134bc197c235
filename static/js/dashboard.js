// The JOC desk screen: live queue rows, the map of the queue's incidents and the opt-in sound
// cue. Filters, actions and resyncs are htmx. No inline handlers anywhere.
(function () {
  "use strict";

  var COLOURS = { 1: "#b3261e", 2: "#d9631e", 3: "#0b4f8a", 4: "#5b6778" };
  var map = null;
  var pins = null;

  // Map: the city's ward outlines (static/js/wardmap.js) and one pin per element carrying
  // data-pin (the queue's rows, or the incident page's pin), redrawn after every swap so it
  // stays in step with the queue. The incident page's map marks the incident's ward.
  function setUpMap() {
    var el = document.getElementById("map");
    if (!el || typeof L === "undefined" || !window.WardMap) return;
    var created = WardMap.create(el, {
      onReady: function (wards, layer) {
        var own = wards[el.dataset.ward];
        if (own) own.setStyle({ weight: 3, color: "#0b4f8a", fillOpacity: 0.15 });
        if (!pins.getLayers().length) map.fitBounds(layer.getBounds(), { animate: false });
      },
    });
    map = created.map;
    pins = L.layerGroup().addTo(map);
    drawPins();
  }

  function drawPins() {
    if (!map) return;
    pins.clearLayers();
    var bounds = [];
    document.querySelectorAll("[data-pin]").forEach(function (row) {
      var lat = parseFloat(row.dataset.lat), lng = parseFloat(row.dataset.lng);
      if (isNaN(lat) || isNaN(lng)) return;
      var colour = COLOURS[row.dataset.priority] || COLOURS[3];
      var marker = L.circleMarker([lat, lng], { radius: 9, color: colour, fillColor: colour, fillOpacity: 0.7 });
      var ward = row.dataset.wardNumber ? "Ward " + row.dataset.wardNumber : "";
      var popup = document.createElement("div");
      var label = document.createElement(row.dataset.url ? "a" : "span");
      label.textContent = row.dataset.label;
      if (row.dataset.url) label.href = row.dataset.url;
      popup.appendChild(label);
      if (ward) popup.appendChild(document.createTextNode(" · " + ward));
      marker.bindPopup(popup);
      marker.bindTooltip("P" + row.dataset.priority + (ward ? " · " + ward : ""));
      marker.addTo(pins);
      bounds.push([lat, lng]);
    });
    if (bounds.length === 1) map.setView(bounds[0], 14, { animate: false });
    else if (bounds.length > 1) map.fitBounds(bounds, { padding: [20, 20], maxZoom: 15, animate: false });
  }

  // Sound cue: a short two-tone beep made with WebAudio, only when the operator opted in
  // (ticking the box is also the user gesture browsers require before playing sound).
  var audio = null;
  var toggle = null;

  function setUpSound() {
    toggle = document.getElementById("sound-toggle");
    if (!toggle) return;
    toggle.checked = localStorage.getItem("watchline.sound") === "on";
    toggle.addEventListener("change", function () {
      localStorage.setItem("watchline.sound", toggle.checked ? "on" : "off");
      if (toggle.checked) beep();
    });
  }

  function beep() {
    var Context = window.AudioContext || window.webkitAudioContext;
    if (!Context) return;
    audio = audio || new Context();
    [880, 660].forEach(function (frequency, i) {
      var osc = audio.createOscillator();
      var gain = audio.createGain();
      var start = audio.currentTime + i * 0.25;
      osc.frequency.value = frequency;
      gain.gain.setValueAtTime(0.2, start);
      gain.gain.exponentialRampToValueAtTime(0.001, start + 0.22);
      osc.connect(gain).connect(audio.destination);
      osc.start(start);
      osc.stop(start + 0.23);
    });
  }

  // Live queue: every event brings the incident's row, rendered once on the server for every
  // dashboard. This screen places it by its own filters and order, keeps its own "new" mark,
  // and drops the row when the incident leaves the open queue. Nothing is fetched per event;
  // the queue reloads over HTTP only when the filters change or the socket reconnects.
  // A search matches on the server against the reports' text too: a live row is shown when its
  // reference, category or place holds every word, and kept when it was already listed.
  function matchesSearch(row, form, listed) {
    var text = form.elements.q && form.elements.q.value.trim().toLowerCase();
    if (!text || listed) return true;
    var label = row.dataset.label.toLowerCase();
    return text.split(/\s+/).every(function (word) { return label.indexOf(word) !== -1; });
  }

  function matchesFilters(row, listed) {
    var form = document.getElementById("queue-filters");
    if (!form) return true;
    if (!matchesSearch(row, form, listed)) return false;
    var wanted = {
      status: form.elements.status && form.elements.status.value,
      category: form.elements.category && form.elements.category.value,
      ward: form.elements.ward && form.elements.ward.value,
      priority: form.elements.priority && form.elements.priority.value,
      exercise: form.elements.exercise && form.elements.exercise.value,
    };
    for (var name in wanted) {
      if (wanted[name] && row.dataset[name] !== wanted[name]) return false;
    }
    var mine = form.elements.mine;
    return !(mine && mine.checked && row.dataset.assignee !== form.dataset.me);
  }

  // data-order is the server's queue key (Incident.queue_key): it sorts as the queue does.
  // A column sort (data-sort on the queue, "-name" descending) compares the rows'
  // data-sort-<name> first, empty values last, as IncidentQuerySet.sorted_by does.
  function comesBefore(a, b) {
    var queue = document.getElementById("queue");
    var sort = (queue && queue.dataset.sort) || "";
    var name = sort.replace(/^-/, "");
    if (name) {
      var key = "sort" + name.charAt(0).toUpperCase() + name.slice(1);
      var x = a.dataset[key] || "", y = b.dataset[key] || "";
      if (x !== y) {
        if (!x || !y) return Boolean(x);
        return sort.charAt(0) === "-" ? x > y : x < y;
      }
    }
    return a.dataset.order < b.dataset.order;
  }

  function placeRow(signal) {
    var queue = document.getElementById("queue");
    if (!queue) return;
    var body = queue.querySelector("tbody");
    var old = body.querySelector("#incident-" + signal.dataset.incident);
    var row = signal.querySelector("tr");
    if (old) {
      if (row && old.classList.contains("is-new")) row.classList.add("is-new");
      old.remove();
    }
    if (row && matchesFilters(row, Boolean(old))) {
      var next = Array.prototype.find.call(body.querySelectorAll("tr[data-pin]"), function (other) {
        return comesBefore(row, other);
      });
      body.insertBefore(row, next || null);
      var empty = document.getElementById("queue-empty");
      if (empty) empty.remove();
      var rows = body.querySelectorAll("tr[data-pin]");
      var limit = Number(queue.dataset.limit) || rows.length;
      for (var i = limit; i < rows.length; i++) rows[i].remove();
    }
    drawPins();
  }

  document.addEventListener("htmx:load", function (event) {
    var el = event.detail.elt;
    if (el.id !== "queue-signal") return;
    placeRow(el);
    if (el.dataset.alarm && toggle && toggle.checked) beep();
  });
  document.addEventListener("htmx:afterSettle", drawPins);
  document.addEventListener("DOMContentLoaded", function () {
    setUpMap();
    setUpSound();
  });
})();
