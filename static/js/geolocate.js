// "Use my location" on the report form: fills the latitude and longitude from the browser's
// geolocation, then the ward that contains them (asked of the server). Coordinates typed by
// hand fill the ward the same way. Picking another ward afterwards is the representative's
// correction, and the server keeps it (the hidden ward_source says who set the ward). Without
// JavaScript the button stays hidden and the fields still work.
(function () {
  "use strict";

  var fieldset = document.querySelector("fieldset[data-ward-at]");
  var button = document.getElementById("use-location");
  if (!fieldset || !button) return;
  var status = document.getElementById("location-status");
  var lat = document.getElementById("id_latitude");
  var lng = document.getElementById("id_longitude");
  var ward = document.getElementById("id_ward");
  var source = document.getElementById("id_ward_source");
  var text = fieldset.dataset;  // the messages, translated by the server

  function fillWard(accuracy) {
    if (!lat.value || !lng.value) return;
    var url = fieldset.dataset.wardAt + "?" + new URLSearchParams({ lat: lat.value, lng: lng.value });
    var suffix = accuracy ? " " + text.accuracy.replace("%(metres)s", Math.round(accuracy)) : "";
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) { return response.json(); })
      .then(function (data) {
        var option = data.ward && ward.querySelector("option[value='" + data.ward.id + "']");
        if (option) {
          ward.value = String(data.ward.id);
          source.value = "location";
          status.textContent = text.added + suffix + ": " + data.ward.label + ". " + text.wrongWard;
        } else {
          status.textContent = text.added + suffix + ". " + text.chooseWard;
        }
      })
      .catch(function () {
        status.textContent = text.added + suffix + ". " + text.chooseWard;
      });
  }

  ward.addEventListener("change", function () { source.value = "sender"; });
  [lat, lng].forEach(function (input) {
    input.addEventListener("change", function () { fillWard(null); });
  });

  if (!navigator.geolocation) return;
  button.hidden = false;
  button.addEventListener("click", function () {
    status.textContent = text.finding;
    button.disabled = true;
    navigator.geolocation.getCurrentPosition(
      function (position) {
        lat.value = position.coords.latitude.toFixed(6);
        lng.value = position.coords.longitude.toFixed(6);
        button.disabled = false;
        fillWard(position.coords.accuracy);
      },
      function (error) {
        status.textContent = text.failed.replace("%(reason)s", error.message);
        button.disabled = false;
      },
      { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 }
    );
  });
})();
