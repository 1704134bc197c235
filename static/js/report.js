// The report form on a phone with a poor connection:
// - photos are made smaller in the browser (longest side 1600 px, JPEG at 80 %) as soon as they
//   are chosen, and kept in this page until the report is stored: a refused form (a missing
//   field, a date in the future) comes back with its messages and the photos stay chosen;
// - required fields are checked before anything is sent;
// - the report goes through the outbox (outbox.js): it is kept on the phone with its client
//   token until the server has it, so with no connection it waits and is sent once the
//   connection returns; the server stores it once per token.
// - sending shows its progress, and the button is disabled meanwhile.
// Without JavaScript the form posts as a plain form. Messages come from the form's data-*.
(function () {
  "use strict";

  var MAX_SIDE = 1600;
  var QUALITY = 0.8;
  var form = document.querySelector("form.report-form");
  if (!form || !window.WatchlineOutbox || !window.FormData || !window.createImageBitmap) return;
  var text = form.dataset;
  var input = form.querySelector("input[type=file][name=photos]");
  var button = form.querySelector("button[type=submit]");
  var progress = document.getElementById("send-progress");
  var state = document.getElementById("send-state");
  var kept = document.getElementById("photos-kept");
  var photos = [];  // [{name, blob}] ready to send
  var preparing = Promise.resolve();
  var pendingToken = null;

  function say(message) { state.textContent = message; state.hidden = !message; }

  function resize(file) {
    return createImageBitmap(file, { imageOrientation: "from-image" }).then(function (bitmap) {
      var scale = Math.min(1, MAX_SIDE / Math.max(bitmap.width, bitmap.height));
      var canvas = document.createElement("canvas");
      canvas.width = Math.round(bitmap.width * scale);
      canvas.height = Math.round(bitmap.height * scale);
      canvas.getContext("2d").drawImage(bitmap, 0, 0, canvas.width, canvas.height);
      bitmap.close();
      return new Promise(function (resolve) {
        canvas.toBlob(function (blob) {
          // Keep the original when re-encoding would not make it smaller.
          var smaller = blob && (scale < 1 || blob.size < file.size);
          resolve({
            name: file.name.replace(/\.[^.]*$/, "") + (smaller ? ".jpg" : file.name.match(/\.[^.]*$/) || ""),
            blob: smaller ? blob : file,
          });
        }, "image/jpeg", QUALITY);
      });
    }).catch(function () {
      return { name: file.name, blob: file };  // not decodable here: the server says why
    });
  }

  function showKept() {
    kept.textContent = photos.length ? text.photosKept.replace("%(count)s", photos.length) : "";
    kept.hidden = !photos.length;
  }

  input.addEventListener("change", function () {
    var files = Array.prototype.slice.call(input.files);
    button.disabled = true;
    say(files.length ? text.preparing : "");
    preparing = Promise.all(files.map(resize)).then(function (ready) {
      photos = ready;
      input.value = "";  // the resized copies are what is sent
      showKept();
      say("");
      button.disabled = false;
    });
  });

  function clearErrors() {
    form.querySelectorAll(".field-error, .error[role=alert]").forEach(function (el) { el.remove(); });
    form.querySelectorAll(".field.has-error").forEach(function (el) { el.classList.remove("has-error"); });
  }

  function markField(field, messages) {
    field.classList.add("has-error");
    messages.forEach(function (message) {
      var p = document.createElement("p");
      p.className = "field-error";
      p.setAttribute("role", "alert");
      p.textContent = message;
      field.appendChild(p);
    });
  }

  function missingFields() {
    var missing = [];
    form.querySelectorAll(".field").forEach(function (field) {
      var controls = field.querySelectorAll("[required]");
      var empty = Array.prototype.some.call(controls, function (c) { return c.validity.valueMissing; });
      if (empty) missing.push(field);
    });
    return missing;
  }

  // The server's answer to a refused form: its messages beside the same fields here, so what
  // was typed and the photos stay as they are.
  function showServerErrors(html) {
    var answer = new DOMParser().parseFromString(html, "text/html");
    var theirs = answer.querySelector("form.report-form");
    if (!theirs) { say(text.refused); return; }
    theirs.querySelectorAll(".field.has-error").forEach(function (field) {
      var label = field.querySelector("label[for]");
      var mine = label && document.getElementById(label.htmlFor);
      var target = mine && mine.closest(".field");
      if (target) {
        markField(target, Array.prototype.map.call(field.querySelectorAll(".field-error"), function (p) { return p.textContent; }));
      }
    });
    var general = theirs.querySelector(".error[role=alert]");
    if (general) form.insertBefore(document.importNode(general, true), form.firstChild);
    var first = form.querySelector(".field-error, .error[role=alert]");
    if (first) first.scrollIntoView({ block: "center" });
  }

  function entry() {
    var fields = [];
    new FormData(form).forEach(function (value, name) {
      if (name !== "photos") fields.push([name, value]);
    });
    var csrf = form.querySelector("[name=csrfmiddlewaretoken]").value;
    return {
      token: form.querySelector("[name=client_token]").value,
      url: form.action || location.pathname,
      csrf: csrf,
      fields: fields,
      photos: photos,
      created: Date.now(),
    };
  }

  function finish(result) {
    progress.hidden = true;
    if (result.kind === "sent") {
      say(text.sent.replace("%(reference)s", result.reference));
      location.assign(result.url);
      return;
    }
    button.disabled = false;
    if (result.kind === "refused") {
      WatchlineOutbox.remove(pendingToken);
      pendingToken = null;
      say("");
      showServerErrors(result.html);
      return;
    }
    say(text.waiting);
    WatchlineOutbox.showWaiting(1);
  }

  document.addEventListener("watchline:outbox-sent", function (event) {
    if (event.detail.token === pendingToken) finish({ kind: "sent", reference: event.detail.reference, url: event.detail.url });
  });

  // A report the JOC refused while it waited in the outbox (sent from another page) comes
  // back into this form, photos included, and is sent again so the server's messages show
  // beside the fields to correct.
  function restoreRefused() {
    return WatchlineOutbox.all().then(function (entries) {
      var back = entries.filter(function (e) { return e.refused; })[0];
      if (!back) return;
      back.fields.forEach(function (pair) {
        if (pair[0] === "csrfmiddlewaretoken") return;
        form.querySelectorAll("[name='" + pair[0] + "']").forEach(function (control) {
          if (control.type === "radio" || control.type === "checkbox") control.checked = control.value === pair[1];
          else control.value = pair[1];
        });
      });
      photos = back.photos;
      showKept();
      return WatchlineOutbox.remove(back.token).then(function () {
        say(text.restored);
        form.requestSubmit();
      });
    }).catch(function () { /* no IndexedDB: nothing was kept */ });
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    if (button.disabled) return;
    clearErrors();
    var missing = missingFields();
    if (missing.length) {
      missing.forEach(function (field) { markField(field, [text.required]); });
      missing[0].scrollIntoView({ block: "center" });
      (missing[0].querySelector("input, select, textarea") || missing[0]).focus();
      return;
    }
    button.disabled = true;
    preparing.then(function () {
      var report = entry();
      pendingToken = report.token;
      say(text.sending);
      progress.value = 0;
      progress.hidden = false;
      return WatchlineOutbox.put(report).catch(function () { /* no IndexedDB: send anyway */ })
        .then(function () {
          if (!navigator.onLine) return { kind: "waiting" };
          return WatchlineOutbox.send(report, function (share) { progress.value = share; });
        })
        .then(finish);
    });
  });
  restoreRefused();
})();
