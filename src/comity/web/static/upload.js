/*
 * Resumable evidence upload on the evidence page (progressive enhancement).
 *
 * Without this script the form is a plain multipart POST. With it, the file goes in chunks:
 * POST …/uploads declares it (name, size, acquisition record) and returns its URL; each chunk
 * is a PUT at the offset the node holds; after a network error the script waits, asks the node
 * for its offset and goes on from there; POST …/complete seals the package and the page opens
 * the evidence list. The upload's URL is kept in localStorage under the file's name, size and
 * last modification time, so choosing the same file after a reload resumes it (the page also
 * lists the officer's unfinished uploads, which are matched by name and size).
 *
 * Every text shown comes from the form's data-msg-* attributes, translated by the page.
 */
(function () {
  "use strict";

  var form = document.getElementById("upload-form");
  if (!form || !window.XMLHttpRequest || !window.Promise || !window.Blob || !Blob.prototype.slice) {
    return;
  }
  var fileInput = document.getElementById("file");
  var submit = document.getElementById("upload-submit");
  var cancelButton = document.getElementById("upload-cancel");
  var box = document.getElementById("upload-progress");
  var bar = document.getElementById("upload-bar");
  var statusLine = document.getElementById("upload-status");
  var announcer = document.getElementById("upload-announce");
  var summary = document.getElementById("error-summary");
  var base = form.getAttribute("data-uploads");
  var chunkSize = parseInt(form.getAttribute("data-chunk"), 10) || 4 * 1024 * 1024;
  var csrf = form.querySelector('input[name="csrf_token"]').value;
  var FIELDS = ["acquired_by", "acquired_at", "method", "tool", "source"];
  var STORAGE_PREFIX = "comity-upload:";
  // Screen readers hear the progress line at most this often (the bar and text follow live).
  var ANNOUNCE_EVERY_MS = 10000;
  var PAINT_EVERY_MS = 250;
  var RATE_WINDOW_MS = 5000;
  var decimal = window.Intl
    ? new Intl.NumberFormat(document.documentElement.lang || "en", {
        minimumFractionDigits: 1,
        maximumFractionDigits: 1
      })
    : null;

  var busy = false;
  var cancelled = false;
  var inFlight = null;
  var uploadUrl = null;
  var storageKey = null;
  var samples = [];
  var lastPaint = 0;
  var lastAnnounce = 0;

  // ---- Texts and numbers -------------------------------------------------------------------

  function message(name, values) {
    var text = form.getAttribute("data-msg-" + name) || "";
    return text.replace(/%\((\w+)\)s/g, function (whole, key) {
      return values && Object.prototype.hasOwnProperty.call(values, key) ? String(values[key]) : whole;
    });
  }

  function oneDecimal(value) {
    return decimal ? decimal.format(value) : value.toFixed(1);
  }

  function size(bytes) {
    var units = [["GB", 1e9], ["MB", 1e6], ["kB", 1e3]];
    for (var i = 0; i < units.length; i++) {
      if (bytes >= units[i][1]) {
        return oneDecimal(bytes / units[i][1]) + " " + units[i][0];
      }
    }
    return Math.round(bytes) + " B";
  }

  function duration(seconds) {
    var s = Math.max(1, Math.round(seconds));
    if (s < 60) {
      return s + " s";
    }
    if (s < 3600) {
      return Math.floor(s / 60) + " min " + (s % 60) + " s";
    }
    return Math.floor(s / 3600) + " h " + Math.floor((s % 3600) / 60) + " min";
  }

  function say(text, announce) {
    box.hidden = false;
    statusLine.textContent = text;
    if (announce) {
      announcer.textContent = text;
      lastAnnounce = Date.now();
    }
  }

  // ---- Remembering an upload across reloads --------------------------------------------------

  function keyOf(file) {
    return [STORAGE_PREFIX + form.getAttribute("data-request"), file.name, file.size, file.lastModified].join(":");
  }

  function remember(key, url) {
    try {
      window.localStorage.setItem(key, url);
    } catch (error) {
      // Private windows may refuse storage: the upload still works, it only cannot resume.
    }
  }

  function recall(key) {
    try {
      return window.localStorage.getItem(key);
    } catch (error) {
      return null;
    }
  }

  function forget(key) {
    try {
      if (key) {
        window.localStorage.removeItem(key);
      }
    } catch (error) {
      // Nothing to do: see remember().
    }
  }

  function listedUpload(file) {
    var items = document.querySelectorAll("ul.pending li[data-upload-id]");
    for (var i = 0; i < items.length; i++) {
      if (items[i].getAttribute("data-name") === file.name &&
          Number(items[i].getAttribute("data-size")) === file.size) {
        return base + "/" + items[i].getAttribute("data-upload-id");
      }
    }
    return null;
  }

  // ---- HTTP -------------------------------------------------------------------------------------

  // Resolves {status, body}: status 0 for a network failure, -1 when cancelled; never rejects.
  function send(method, url, body, contentType, onProgress) {
    return new Promise(function (resolve) {
      var xhr = new XMLHttpRequest();
      inFlight = xhr;
      xhr.open(method, url);
      xhr.setRequestHeader("X-CSRF-Token", csrf);
      xhr.setRequestHeader("Accept", "application/json");
      if (contentType) {
        xhr.setRequestHeader("Content-Type", contentType);
      }
      if (onProgress && xhr.upload) {
        xhr.upload.onprogress = function (event) {
          onProgress(event.loaded);
        };
      }
      xhr.onload = function () {
        inFlight = null;
        var parsed = null;
        try {
          parsed = JSON.parse(xhr.responseText);
        } catch (error) {
          parsed = null;
        }
        resolve({ status: xhr.status, body: parsed || {} });
      };
      xhr.onerror = xhr.ontimeout = function () {
        inFlight = null;
        resolve({ status: 0, body: {} });
      };
      xhr.onabort = function () {
        inFlight = null;
        resolve({ status: -1, body: {} });
      };
      xhr.send(body === undefined ? null : body);
    });
  }

  function wait(seconds) {
    return new Promise(function (resolve) {
      window.setTimeout(resolve, seconds * 1000);
    });
  }

  function transient(answer) {
    // A broken connection, a node restarting behind its proxy, or another tab writing now.
    return answer.status === 0 || answer.status === 500 || answer.status === 502 ||
      answer.status === 503 || answer.status === 504 ||
      (answer.status === 409 && typeof answer.body.offset !== "number");
  }

  async function pause(failures) {
    var seconds = Math.min(30, Math.pow(2, failures));
    say(message("retrying", { seconds: seconds }), true);
    await wait(seconds);
  }

  // ---- Errors next to their fields ---------------------------------------------------------------

  function describe(input) {
    var ids = [];
    var hint = document.getElementById(input.id + "-hint");
    var error = document.getElementById(input.id + "-error");
    if (hint) {
      ids.push(hint.id);
    }
    if (error) {
      ids.push(error.id);
    }
    if (ids.length) {
      input.setAttribute("aria-describedby", ids.join(" "));
    } else {
      input.removeAttribute("aria-describedby");
    }
  }

  function clearErrors() {
    var fields = form.querySelectorAll(".field");
    for (var i = 0; i < fields.length; i++) {
      var input = fields[i].querySelector("input");
      var error = fields[i].querySelector("p.error");
      fields[i].classList.remove("invalid");
      if (error) {
        error.parentNode.removeChild(error);
      }
      input.removeAttribute("aria-invalid");
      describe(input);
    }
    summary.hidden = true;
    summary.textContent = "";
  }

  function showErrors(errors) {
    var heading = document.createElement("h3");
    var list = document.createElement("ul");
    heading.textContent = message("summary");
    summary.textContent = "";
    summary.appendChild(heading);
    summary.appendChild(list);
    errors.forEach(function (issue) {
      var input = document.getElementById(issue.path);
      if (!input || !form.contains(input)) {
        return;
      }
      var field = input.closest(".field");
      var label = form.querySelector('label[for="' + input.id + '"]');
      var error = document.createElement("p");
      error.className = "error";
      error.id = input.id + "-error";
      error.textContent = issue.message;
      field.insertBefore(error, input);
      field.classList.add("invalid");
      input.setAttribute("aria-invalid", "true");
      describe(input);
      var item = document.createElement("li");
      var link = document.createElement("a");
      link.href = "#" + input.id;
      link.textContent = (label ? label.textContent : input.id) + ": " + issue.message;
      item.appendChild(link);
      list.appendChild(item);
    });
    summary.hidden = false;
    summary.focus();
  }

  // ---- Progress ------------------------------------------------------------------------------------

  function startClock(offset) {
    samples = [[Date.now(), offset]];
    lastPaint = 0;
  }

  function progress(sent, total) {
    var now = Date.now();
    samples.push([now, sent]);
    while (samples.length > 2 && now - samples[0][0] > RATE_WINDOW_MS) {
      samples.shift();
    }
    bar.max = total || 1;
    bar.value = total ? sent : 1;
    if (now - lastPaint < PAINT_EVERY_MS && sent < total) {
      return;
    }
    lastPaint = now;
    var first = samples[0];
    var rate = now > first[0] ? ((sent - first[1]) * 1000) / (now - first[0]) : 0;
    var text = message("progress", {
      sent: size(sent),
      total: size(total),
      rate: rate > 0 ? size(rate) + "/s" : "…",
      left: rate > 0 ? duration((total - sent) / rate) : "…"
    });
    statusLine.textContent = text;
    if (now - lastAnnounce >= ANNOUNCE_EVERY_MS) {
      announcer.textContent = text;
      lastAnnounce = now;
    }
  }

  // ---- The upload ------------------------------------------------------------------------------------

  function values() {
    var found = {};
    FIELDS.forEach(function (name) {
      found[name] = form.elements[name].value.trim();
    });
    return found;
  }

  function instant(text) {
    if (!text) {
      return "";
    }
    // A datetime-local value has no offset: the form says it is UTC, as the node reads it.
    var parsed = Date.parse(/[zZ]|[+-]\d\d:\d\d$/.test(text) ? text : text + "Z");
    return isNaN(parsed) ? text : String(parsed);
  }

  function sameRecord(stored, typed) {
    return FIELDS.every(function (name) {
      if (name === "acquired_at") {
        return instant(stored[name] || "") === instant(typed[name]);
      }
      return (stored[name] || "") === typed[name];
    });
  }

  function setBusy(on) {
    busy = on;
    submit.disabled = on;
    fileInput.disabled = on;
    cancelButton.hidden = !on;
  }

  function stop() {
    setBusy(false);
  }

  function fail(answer) {
    if (answer.status === 401 && answer.body.code === "REAUTH_REQUIRED") {
      // Sending evidence needs a recent sign-in: the password (and code) again, then back
      // here, where the upload resumes from what the node already holds.
      window.location.assign("/reauth?next=" + encodeURIComponent(window.location.pathname));
      return;
    }
    if (answer.status === 401) {
      say(message("session"), true);
    } else {
      if (answer.status === 404) {
        forget(storageKey);
      }
      say(message("failed", { detail: answer.body.detail || "HTTP " + answer.status }), true);
    }
    stop();
  }

  // The upload to go on with for this file, if the node still holds one with the same record.
  async function resumable(file, typed) {
    var url = recall(storageKey) || listedUpload(file);
    if (!url) {
      return null;
    }
    var answer = await send("GET", url);
    if (answer.status === 200 && answer.body.size === file.size && answer.body.name === file.name) {
      if (sameRecord(answer.body.fields || {}, typed)) {
        return answer.body;
      }
      // The officer changed the acquisition record: the old upload gives way to a new one.
      await send("DELETE", url);
    }
    forget(storageKey);
    return null;
  }

  async function create(file, typed) {
    var body = JSON.stringify(Object.assign({ file_name: file.name, size: file.size }, typed));
    var failures = 0;
    for (;;) {
      var answer = await send("POST", base, body, "application/json");
      if (cancelled || !transient(answer)) {
        return answer;
      }
      failures += 1;
      await pause(failures);
    }
  }

  async function pump(file, url, offset) {
    var failures = 0;
    startClock(offset);
    progress(offset, file.size);
    while (offset < file.size) {
      if (cancelled) {
        return false;
      }
      var from = offset;
      var answer = await send(
        "PUT",
        url + "?offset=" + from,
        file.slice(from, Math.min(from + chunkSize, file.size)),
        "application/octet-stream",
        function (loaded) {
          progress(from + loaded, file.size);
        }
      );
      if (cancelled || answer.status === -1) {
        return false;
      }
      if (answer.status === 200) {
        offset = answer.body.offset;
        failures = 0;
        progress(offset, file.size);
      } else if (answer.status === 409 && typeof answer.body.offset === "number") {
        // The node holds a different amount (a chunk arrived though its answer was lost).
        offset = answer.body.offset;
      } else if (transient(answer)) {
        failures += 1;
        await pause(failures);
        if (cancelled) {
          return false;
        }
        var state = await send("GET", url);
        if (state.status === 200) {
          offset = state.body.offset;
          startClock(offset);
        } else if (!transient(state) && state.status !== -1) {
          fail(state);
          return false;
        }
      } else {
        fail(answer);
        return false;
      }
    }
    return true;
  }

  async function complete(url) {
    var failures = 0;
    var unanswered = false;
    for (;;) {
      var answer = await send("POST", url + "/complete");
      if (answer.status === 201) {
        return answer.body.location;
      }
      if (answer.status === 404 && unanswered) {
        // The node sealed it while its answer was lost: the package is on the evidence page.
        return base.replace(/\/uploads$/, "");
      }
      if (!transient(answer)) {
        fail(answer);
        return null;
      }
      unanswered = true;
      failures += 1;
      await pause(failures);
    }
  }

  async function run(file) {
    cancelled = false;
    uploadUrl = null;
    setBusy(true);
    bar.value = 0;
    say(message("preparing"), false);
    var typed = values();
    storageKey = keyOf(file);
    var upload = await resumable(file, typed);
    if (cancelled) {
      return;
    }
    if (upload) {
      say(message("resuming", { sent: size(upload.offset), total: size(file.size) }), true);
    } else {
      var answer = await create(file, typed);
      if (cancelled) {
        return;
      }
      if (answer.status === 422 && answer.body.errors) {
        box.hidden = true;
        showErrors(answer.body.errors);
        stop();
        return;
      }
      if (answer.status !== 201) {
        fail(answer);
        return;
      }
      upload = answer.body;
      remember(storageKey, upload.url);
      say(message("started", { total: size(file.size) }), true);
    }
    uploadUrl = upload.url;
    if (!(await pump(file, upload.url, upload.offset))) {
      return;
    }
    // Sealing cannot be cancelled half-way: the button goes until the package exists.
    cancelButton.hidden = true;
    say(message("sealing", { total: size(file.size) }), true);
    var target = await complete(upload.url);
    if (!target) {
      return;
    }
    forget(storageKey);
    busy = false;
    say(message("done"), true);
    window.location.assign(target);
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    if (busy) {
      return;
    }
    clearErrors();
    var file = fileInput.files && fileInput.files[0];
    if (!file) {
      showErrors([{ path: "file", message: message("file-missing") }]);
      return;
    }
    run(file).catch(function (error) {
      // An unexpected failure in this script: say so rather than leave the bar still.
      say(message("failed", { detail: String(error) }), true);
      stop();
    });
  });

  cancelButton.addEventListener("click", async function () {
    cancelled = true;
    if (inFlight) {
      inFlight.abort();
    }
    if (uploadUrl) {
      // The node may still be cutting back the chunk the abort interrupted: ask again.
      for (var attempt = 0; attempt < 3; attempt++) {
        var answer = await send("DELETE", uploadUrl);
        if (answer.status !== 409) {
          break;
        }
        await wait(1);
      }
    }
    forget(storageKey);
    uploadUrl = null;
    bar.value = 0;
    say(message("cancelled"), true);
    stop();
  });

  window.addEventListener("beforeunload", function (event) {
    if (busy) {
      // The upload would resume, but leaving by mistake should not be one click away.
      event.preventDefault();
      event.returnValue = "";
    }
  });

  if (!summary.hidden) {
    summary.focus();
  }
})();
