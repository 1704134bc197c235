// Watchline's small amount of JavaScript: only what htmx cannot do. No inline handlers anywhere.
//
// Live connection: htmx's ws extension keeps the socket open and reconnects with back-off. Every
// time the socket (re)opens, the page fires `watchline:resync` on <body>; live regions reload
// themselves over plain HTTP with hx-trigger="watchline:resync from:body", so nothing that
// happened while the socket was down (or before it first opened) stays missing.
(function () {
  "use strict";

  // Reconnect quickly: at most ~3 s between attempts (jittered, so a restarted server is not
  // hit by every page at once), so a page is live again within about 5 s of the server's
  // return. The extension's default doubles up to 64 s.
  var MAX_RECONNECT_MS = 3000;
  htmx.config.wsReconnectDelay = function (retryCount) {
    var ceiling = Math.min(MAX_RECONNECT_MS, 500 * Math.pow(2, retryCount));
    return ceiling / 2 + (Math.random() * ceiling) / 2;
  };

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

  // Live fragments go to every page of a role; a page without a fragment's target (e.g. the
  // queue's signal on an incident page) drops that fragment quietly instead of htmx logging
  // htmx:oobErrorNoTarget for it.
  function oobSelector(el) {
    var value = el.getAttribute("hx-swap-oob");
    var colon = value.indexOf(":");
    return colon > 0 ? value.substring(colon + 1) : "#" + CSS.escape(el.id);
  }

  htmx.defineExtension("present-targets", {
    transformResponse: function (text) {
      if (text.indexOf("hx-swap-oob") === -1) return text;
      var template = document.createElement("template");
      template.innerHTML = text;
      var dropped = false;
      Array.prototype.slice.call(template.content.children).forEach(function (el) {
        if (!el.hasAttribute("hx-swap-oob")) return;
        var selector = oobSelector(el);
        if (!document.querySelector(selector)) {
          el.remove();
          dropped = true;
        }
      });
      return dropped ? template.innerHTML : text;
    },
  });

  // Failures are never silent: a request that could not reach the server, or that the server
  // failed, says so beside the element the operator used, with a Retry button. htmx swaps
  // nothing on a failure, so whatever they typed stays where it is.
  function failureMessage(detail) {
    var xhr = detail.xhr;
    var verb = (detail.requestConfig && detail.requestConfig.verb) || "get";
    var what = verb === "get" ? "Not updated" : "Not saved";
    if (!xhr || !xhr.status) return what + ": connection lost.";
    var type = xhr.getResponseHeader("Content-Type") || "";
    var said = type.indexOf("text/plain") === 0 ? xhr.responseText.trim().slice(0, 300) : "";
    if (said) return what + ": " + said;
    if (xhr.status >= 500) return what + ": the server failed (" + xhr.status + ").";
    return what + ": refused by the server (" + xhr.status + ").";
  }

  function clearFailure(elt) {
    if (elt && elt.watchlineFailure) {
      elt.watchlineFailure.remove();
      elt.watchlineFailure = null;
    }
  }

  function retryFor(elt, detail) {
    if (elt.watchlineRetry) return elt.watchlineRetry;
    var event = detail.requestConfig && detail.requestConfig.triggeringEvent;
    if (!event) return null;
    return function () {
      event.target.dispatchEvent(new CustomEvent(event.type, { bubbles: true }));
    };
  }

  function showFailure(event) {
    var elt = event.detail.elt;
    if (!elt || !document.body.contains(elt)) return;
    clearFailure(elt);
    var box = document.createElement("span");
    box.className = "request-failed";
    box.setAttribute("role", "alert");
    box.textContent = failureMessage(event.detail);
    var retry = retryFor(elt, event.detail);
    if (retry) {
      var button = document.createElement("button");
      button.type = "button";
      button.className = "small";
      button.textContent = "Retry";
      button.addEventListener("click", function () {
        clearFailure(elt);
        retry();
      });
      box.appendChild(button);
    }
    var holder = box;
    if (elt.tagName === "TR") {
      holder = document.createElement("tr");
      var cell = holder.appendChild(document.createElement("td"));
      cell.colSpan = elt.children.length;
      cell.appendChild(box);
    }
    if (elt.tagName === "FORM") elt.appendChild(holder);
    else elt.parentNode.insertBefore(holder, elt.nextSibling);
    elt.watchlineFailure = holder;
  }

  document.addEventListener("htmx:sendError", showFailure);
  document.addEventListener("htmx:responseError", showFailure);
  document.addEventListener("htmx:afterRequest", function (event) {
    if (event.detail.successful) clearFailure(event.detail.elt);
  });
})();
