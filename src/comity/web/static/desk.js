/* The 24/7 desk: keeps each waiting request's clock running, keeps the queue as it is while
   a fetched queue has the same content (so focus and reading are not lost every 5 seconds),
   and says when a new emergency request arrives. Without JavaScript the page works as is:
   the clocks show the time of the last refresh and a link refreshes the queue. */
(function () {
  "use strict";

  var seen = new Set();

  function pad(n) {
    return n < 10 ? "0" + n : String(n);
  }

  // The same form the server writes: hours:minutes:seconds, hours past 24 keep counting.
  function format(total) {
    var hours = Math.floor(total / 3600);
    var minutes = Math.floor((total % 3600) / 60);
    return pad(hours) + ":" + pad(minutes) + ":" + pad(total % 60);
  }

  function tick() {
    var now = Date.now();
    document.querySelectorAll("time.clock[datetime]").forEach(function (el) {
      var since = Date.parse(el.getAttribute("datetime"));
      if (!isNaN(since)) {
        el.textContent = format(Math.max(0, Math.floor((now - since) / 1000)));
      }
    });
  }

  // Remember the emergencies on the page; say which ones were not there before.
  function collect(root, announce) {
    var fresh = [];
    root.querySelectorAll("[data-emergency-id]").forEach(function (card) {
      var id = card.getAttribute("data-emergency-id");
      if (!seen.has(id)) {
        seen.add(id);
        fresh.push(card.getAttribute("data-alert"));
      }
    });
    var region = document.getElementById("desk-alert");
    if (announce && fresh.length && region) {
      region.textContent = fresh.join(" ");
    }
  }

  function signatureOf(html) {
    var found = /data-signature="([^"]*)"/.exec(html);
    return found ? found[1] : null;
  }

  function start() {
    var queue = document.getElementById("queue");
    if (!queue) {
      return;
    }
    collect(queue, false);
    tick();
    window.setInterval(tick, 1000);

    document.body.addEventListener("htmx:beforeSwap", function (event) {
      if (event.detail.target !== queue || !event.detail.xhr) {
        return;
      }
      var current = queue.querySelector("[data-signature]");
      var next = signatureOf(event.detail.xhr.responseText || "");
      if (current && next !== null && current.getAttribute("data-signature") === next) {
        event.detail.shouldSwap = false;
      }
    });

    document.body.addEventListener("htmx:afterSwap", function (event) {
      if (event.detail.target === queue) {
        collect(queue, true);
        tick();
      }
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
