// Composing an alert: the map shows the targeted wards, and clicking a ward adds it to the
// targets or removes it. The form's ward list stays the one source of truth: a click toggles
// the ward's choice in the list (a checkbox or an <option>, whichever the form renders), and any
// change to the list restyles the map. "All wards" marks every ward.
(function () {
  "use strict";

  var TARGETED = { color: "#b3261e", weight: 2, fillColor: "#b3261e", fillOpacity: 0.35 };

  function setUp() {
    var el = document.getElementById("map");
    var form = el && document.getElementById(el.dataset.form);
    if (!form || typeof L === "undefined" || !window.WardMap) return;
    var field = el.dataset.field;
    var allWards = form.elements[el.dataset.allField];
    var wardsByNumber = {};

    // The list's choices (checkboxes or options), keyed by their value: the ward's key, which
    // is also the id of the ward's outline.
    function choices() {
      var found = {};
      form.querySelectorAll("input[type=checkbox][name=" + field + "]").forEach(function (box) {
        found[box.value] = { control: box, input: box, on: box.checked };
      });
      form.querySelectorAll("select[name=" + field + "] option").forEach(function (option) {
        found[option.value] = { control: option, input: option.parentElement, on: option.selected };
      });
      return found;
    }

    function restyle() {
      var everything = allWards && allWards.checked;
      var list = choices();
      var targeted = [];
      Object.keys(wardsByNumber).forEach(function (key) {
        var ward = wardsByNumber[key];
        var choice = list[String(ward.feature.id)];
        var on = everything || Boolean(choice && choice.on);
        if (on) targeted.push(Number(key));
        var gap = created.uncovered.indexOf(Number(key)) !== -1;
        ward.setStyle(on ? TARGETED : gap ? WardMap.GAP_STYLE : WardMap.STYLE);
        ward.getElement().classList.toggle("targeted", on);
      });
      var summary = document.getElementById("map-targets");
      if (summary) {
        summary.textContent = everything ? "Targeted: all wards." :
          targeted.length ? "Targeted: wards " + targeted.sort(function (a, b) { return a - b; }).join(", ") + "." :
          "No ward targeted yet.";
      }
    }

    function toggle(ward) {
      var choice = choices()[String(ward.feature.id)];
      if (!choice) return;
      if (choice.control.tagName === "OPTION") choice.control.selected = !choice.control.selected;
      else choice.control.checked = !choice.control.checked;
      choice.input.dispatchEvent(new Event("change", { bubbles: true }));
    }

    var created = WardMap.create(el, {
      onReady: function (wards, layer) {
        wardsByNumber = wards;
        Object.keys(wards).forEach(function (key) {
          wards[key].on("click", function () { toggle(wards[key]); });
        });
        created.map.fitBounds(layer.getBounds(), { animate: false });
        restyle();
      },
    });
    form.addEventListener("change", restyle);
    restyle();
  }

  document.addEventListener("DOMContentLoaded", setUp);
})();
