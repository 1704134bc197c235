// The representative's outbox: a report that could not reach the JOC (no connection, a server
// error) waits here, in IndexedDB on the phone, with its photos (as Blobs) and its client token,
// and is sent again when the connection returns, from whichever representative page is open.
// The server stores a report once per client token, so sending it twice stores it once.
// Messages come from data-* attributes of #outbox-status (translated by the server).
(function () {
  "use strict";

  var DB_NAME = "watchline-outbox";
  var STORE = "reports";
  var RETRY_MS = 30000;
  var status = document.getElementById("outbox-status");
  var flushing = false;

  function open() {
    return new Promise(function (resolve, reject) {
      var request = indexedDB.open(DB_NAME, 1);
      request.onupgradeneeded = function () {
        request.result.createObjectStore(STORE, { keyPath: "token" });
      };
      request.onsuccess = function () { resolve(request.result); };
      request.onerror = function () { reject(request.error); };
    });
  }

  function run(mode, action) {
    return open().then(function (db) {
      return new Promise(function (resolve, reject) {
        var tx = db.transaction(STORE, mode);
        var result = action(tx.objectStore(STORE));
        tx.oncomplete = function () { db.close(); resolve(result && result.result); };
        tx.onerror = function () { db.close(); reject(tx.error); };
      });
    });
  }

  function put(entry) { return run("readwrite", function (s) { s.put(entry); }); }
  function remove(token) { return run("readwrite", function (s) { s.delete(token); }); }
  function all() { return run("readonly", function (s) { return s.getAll(); }); }

  // Send one entry: resolves {kind: "sent", reference, url} (JSON from the server),
  // {kind: "refused", html, status} (the form came back with errors, or the server refused it),
  // or {kind: "waiting"} (no answer, or a server error: try again later).
  function send(entry, onProgress) {
    return new Promise(function (resolve) {
      var body = new FormData();
      entry.fields.forEach(function (pair) { body.append(pair[0], pair[1]); });
      entry.photos.forEach(function (photo) { body.append("photos", photo.blob, photo.name); });
      var xhr = new XMLHttpRequest();
      xhr.open("POST", entry.url);
      xhr.setRequestHeader("Accept", "application/json");
      xhr.setRequestHeader("X-CSRFToken", entry.csrf);
      if (onProgress) {
        xhr.upload.onprogress = function (e) { if (e.lengthComputable) onProgress(e.loaded / e.total); };
      }
      xhr.onload = function () {
        var type = xhr.getResponseHeader("Content-Type") || "";
        var samePage = new URL(xhr.responseURL, location.href).pathname === new URL(entry.url, location.href).pathname;
        if (xhr.status === 200 && type.indexOf("application/json") === 0) {
          var data = JSON.parse(xhr.responseText);
          resolve({ kind: "sent", reference: data.reference, url: data.url });
        } else if (xhr.status >= 500 || !samePage) {
          resolve({ kind: "waiting" });  // a server error, or a login page: keep it
        } else {
          resolve({ kind: "refused", html: xhr.responseText, status: xhr.status });
        }
      };
      xhr.onerror = xhr.ontimeout = function () { resolve({ kind: "waiting" }); };
      xhr.timeout = 120000;
      xhr.send(body);
    });
  }

  function show(text, link) {
    if (!status) return;
    status.textContent = text;
    if (link) {
      var a = document.createElement("a");
      a.href = link.url;
      a.textContent = link.reference;
      status.appendChild(document.createTextNode(" "));
      status.appendChild(a);
    }
    status.hidden = !text;
  }

  function showWaiting(count) {
    show(count ? status.dataset.waiting.replace("%(count)s", count) : "");
  }

  // Send everything waiting, one at a time. A refused entry stays (marked) for the
  // representative to see; it is not sent again by itself.
  function flush() {
    if (flushing || !window.indexedDB) return Promise.resolve();
    flushing = true;
    return all().then(function (entries) {
      var pending = entries.filter(function (e) { return !e.refused; });
      return pending.reduce(function (chain, entry) {
        return chain.then(function () {
          return send(entry).then(function (result) {
            if (result.kind === "sent") {
              return remove(entry.token).then(function () {
                show(status.dataset.sent, result);
                document.dispatchEvent(new CustomEvent("watchline:outbox-sent", {
                  detail: { token: entry.token, reference: result.reference, url: result.url }
                }));
              });
            }
            if (result.kind === "refused") {
              entry.refused = true;
              return put(entry).then(function () { show(status.dataset.refused); });
            }
          });
        });
      }, Promise.resolve()).then(all).then(function (left) {
        var waiting = left.filter(function (e) { return !e.refused; }).length;
        if (waiting) showWaiting(waiting);
      });
    }).catch(function () { /* IndexedDB unavailable (private mode): nothing was queued */ })
      .then(function () { flushing = false; });
  }

  window.WatchlineOutbox = {
    put: put, remove: remove, all: all, send: send, flush: flush, showWaiting: showWaiting
  };
  window.addEventListener("online", flush);
  setInterval(function () { if (navigator.onLine) flush(); }, RETRY_MS);
  flush();
})();
