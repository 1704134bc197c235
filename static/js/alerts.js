// Alerts are hard to miss on every representative page: the page title counts the alerts not
// yet acknowledged ("(2) New alert · …"), and an alert arriving live (on the CWG's socket)
// sounds and vibrates if the representative switched that on (a choice kept on this phone).
(function () {
  "use strict";

  var section = document.getElementById("portal-alerts");
  if (!section) return;
  var KEY = "watchline.alertSound";
  var baseTitle = document.title;
  var toggle = document.getElementById("alert-sound");
  var seen = ids();
  var audio = null;

  function ids() {
    return Array.prototype.map.call(
      document.querySelectorAll("#portal-alert-list .alert-banner[data-unacknowledged]"),
      function (el) { return el.dataset.alert; }
    );
  }

  function updateTitle() {
    var open = ids().length;
    document.title = open ? "(" + open + ") " + section.dataset.newAlert + " · " + baseTitle : baseTitle;
  }

  function beep() {
    if (!audio) return;
    var now = audio.currentTime;
    [0, 0.35].forEach(function (offset) {
      var tone = audio.createOscillator();
      var gain = audio.createGain();
      tone.frequency.value = 880;
      gain.gain.setValueAtTime(0.4, now + offset);
      gain.gain.exponentialRampToValueAtTime(0.001, now + offset + 0.3);
      tone.connect(gain).connect(audio.destination);
      tone.start(now + offset);
      tone.stop(now + offset + 0.3);
    });
  }

  function signal() {
    if (!toggle.checked) return;
    if (navigator.vibrate) navigator.vibrate([300, 150, 300]);
    beep();
  }

  function enableSound(on) {
    toggle.checked = on;
    localStorage.setItem(KEY, on ? "on" : "off");
    if (on && !audio && window.AudioContext) audio = new AudioContext();  // needs this tap
  }

  document.getElementById("alert-sound-toggle").hidden = false;
  toggle.checked = localStorage.getItem(KEY) === "on";
  if (toggle.checked && window.AudioContext) {
    // Browsers let sound start only after a tap on the page: the first tap anywhere arms it.
    document.addEventListener("pointerdown", function () { enableSound(true); }, { once: true });
  }
  toggle.addEventListener("change", function () { enableSound(toggle.checked); });

  // A live message or a reload after a reconnect may add alerts: signal the ones not seen
  // before on this page.
  function check() {
    var fresh = ids().filter(function (id) { return seen.indexOf(id) < 0; });
    seen = seen.concat(fresh);
    if (fresh.length) signal();
    updateTitle();
  }
  document.addEventListener("htmx:wsAfterMessage", check);
  document.addEventListener("htmx:afterSwap", check);
  updateTitle();
})();
