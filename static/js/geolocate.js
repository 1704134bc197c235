// "Use my location" on the report form: fills the latitude and longitude fields from the
// browser's geolocation. Without JavaScript the button stays hidden and the fields still work.
(function () {
  "use strict";

  var button = document.getElementById("use-location");
  if (!button || !navigator.geolocation) return;
  var status = document.getElementById("location-status");
  button.hidden = false;

  button.addEventListener("click", function () {
    status.textContent = "Finding your location…";
    button.disabled = true;
    navigator.geolocation.getCurrentPosition(
      function (position) {
        document.getElementById("id_latitude").value = position.coords.latitude.toFixed(6);
        document.getElementById("id_longitude").value = position.coords.longitude.toFixed(6);
        status.textContent = "Location added (accurate to about " +
          Math.round(position.coords.accuracy) + " m).";
        button.disabled = false;
      },
      function (error) {
        status.textContent = "Could not get your location (" + error.message +
          "). Describe the place instead.";
        button.disabled = false;
      },
      { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 }
    );
  });
})();
