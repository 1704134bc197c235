// A Leaflet map of the city's wards, drawn from the project's own outlines (data-outlines, a
// GeoJSON URL): no tiles needed, tiles added when data-tiles is set. Each ward names itself on
// hover or tap. Wards without an approved CWG (a JSON list of numbers in the element named by
// data-uncovered) are drawn hatched. Used by the dashboard, the incident page and the alert form.
(function () {
  "use strict";

  var STYLE = { color: "#5b6778", weight: 1, opacity: 0.8, fillColor: "#ffffff", fillOpacity: 0.05 };
  var GAP_STYLE = L.extend({}, STYLE, { dashArray: "4 3", fillColor: "#8a8f98", fillOpacity: 0.25 });

  function label(feature) {
    var p = feature.properties;
    var text = "Ward " + p.number;
    if (p.name && p.name !== text) text += " (" + p.name + ")";
    return text;
  }

  function readList(id) {
    var script = id && document.getElementById(id);
    return script ? JSON.parse(script.textContent) : [];
  }

  // Returns { map, wards } at once; wards (number -> Leaflet layer) fills when the outlines
  // arrive, then `onReady(wards)` runs.
  function create(el, options) {
    options = options || {};
    var map = L.map(el).setView([parseFloat(el.dataset.lat), parseFloat(el.dataset.lng)], 10);
    if (el.dataset.tiles) {
      L.tileLayer(el.dataset.tiles, { attribution: el.dataset.attribution || "" }).addTo(map);
    }
    // Outlines sit below the pins, so pins stay clickable on top of them.
    map.createPane("wards").style.zIndex = 350;
    var uncovered = readList(el.dataset.uncovered);
    var wards = {};
    var result = { map: map, wards: wards, uncovered: uncovered };
    if (!el.dataset.outlines) return result;
    fetch(el.dataset.outlines, { credentials: "same-origin", headers: { Accept: "application/geo+json" } })
      .then(function (response) {
        if (!response.ok) throw new Error("ward outlines: HTTP " + response.status);
        return response.json();
      })
      .then(function (data) {
        if (!data.features.length) return;
        var layer = L.geoJSON(data, {
          pane: "wards",
          style: function (feature) {
            var gap = uncovered.indexOf(feature.properties.number) !== -1;
            var className = "ward ward-" + feature.properties.number + (gap ? " ward-gap" : "");
            return L.extend({}, gap ? GAP_STYLE : STYLE, { className: className });
          },
          onEachFeature: function (feature, ward) {
            var text = label(feature);
            if (uncovered.indexOf(feature.properties.number) !== -1) text += ": no approved CWG";
            ward.bindTooltip(text, { sticky: true });
            wards[feature.properties.number] = ward;
          },
        }).addTo(map);
        el.dataset.wardsDrawn = String(data.features.length);
        if (options.onReady) options.onReady(wards, layer);
      })
      .catch(function (error) {
        el.dataset.wardsError = error.message;
      });
    return result;
  }

  window.WardMap = { create: create, STYLE: STYLE, GAP_STYLE: GAP_STYLE };
})();
