// Watchline's small amount of JavaScript: only what htmx cannot do. No inline handlers anywhere.
//
// Live connection: htmx's ws extension keeps the socket open and reconnects with back-off. Every
// time the socket (re)opens, the page fires `watchline:resync` on <body>; live regions reload
// themselves over plain HTTP with hx-trigger="watchline:resync from:body", so nothing that
// happened while the socket was down (or before it first opened) stays missing.
(function () {
  "use strict";

  function setLiveState(up) {
    var el = document.getElementById("live-state");
    if (!el) return;
    el.classList.toggle("down", !up);
    el.textContent = up ? el.dataset.live : el.dataset.offline;
    document.body.classList.toggle("live-down", !up);
  }

  document.addEventListener("htmx:wsOpen", function () {
    setLiveState(true);
    document.body.dispatchEvent(new CustomEvent("watchline:resync", { bubbles: true }));
  });
  // The server closes a socket with 4012 when a live update may have been lost (its channel
  // layer failed): reconnect after a short, spread-out pause, which resyncs the page.
  var RESYNC = 4012;
  document.addEventListener("htmx:wsClose", function (event) {
    setLiveState(false);
    var detail = event.detail || {};
    if (detail.event && detail.event.code === RESYNC && detail.socketWrapper) {
      setTimeout(detail.socketWrapper.reconnect, 500 + Math.random() * 1500);
    }
  });
  document.addEventListener("htmx:wsError", function () { setLiveState(false); });
  window.addEventListener("offline", function () { setLiveState(false); });
})();
