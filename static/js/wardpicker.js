// The alert form's ward list is plain checkboxes (one click ticks one ward, the others stay);
// this adds a box above it that hides the wards whose name does not contain what is typed.
// Ticked wards always stay in view. No inline handlers.
(function () {
  "use strict";

  function setUp() {
    var list = document.getElementById("id_wards");
    if (!list) return;
    var label = document.createElement("label");
    label.htmlFor = "ward-search";
    label.textContent = "Find a ward";
    var box = document.createElement("input");
    box.type = "search";
    box.id = "ward-search";
    box.className = "ward-search";
    box.placeholder = "Ward number or name";
    box.setAttribute("aria-controls", "id_wards");
    list.parentNode.insertBefore(label, list);
    list.parentNode.insertBefore(box, list);

    function filter() {
      var wanted = box.value.trim().toLowerCase();
      list.querySelectorAll("input[type=checkbox]").forEach(function (check) {
        var item = check.closest("div") || check.parentElement;
        var text = item.textContent.toLowerCase();
        item.hidden = Boolean(wanted) && !check.checked && text.indexOf(wanted) === -1;
      });
    }
    box.addEventListener("input", filter);
    // Enter in the search box must not send the alert.
    box.addEventListener("keydown", function (event) {
      if (event.key === "Enter") event.preventDefault();
    });
  }

  document.addEventListener("DOMContentLoaded", setUp);
})();
