// Drafting wizard, progressive enhancement only: every page works without this file.
// - A step link clicked with unsaved changes saves them first, then opens that step.
// - After "Add another", the new item's first control gets the focus; an error summary
//   gets the focus when the page shows one.
// - On the first step, urgencies and channels the chosen form of cooperation does not
//   allow are disabled.
(function () {
  "use strict";

  function focusTarget() {
    var summary = document.getElementById("error-summary");
    if (summary) {
      summary.focus();
      return;
    }
    if (location.hash && /-new$/.test(location.hash)) {
      var item = document.getElementById(location.hash.slice(1));
      var control = item && item.querySelector("input:not([type=hidden]), select, textarea");
      if (control) control.focus();
    }
  }

  function saveBeforeLeaving(form) {
    var dirty = false;
    form.addEventListener("input", function () { dirty = true; });
    form.addEventListener("change", function () { dirty = true; });
    form.addEventListener("submit", function () { dirty = false; });
    document.querySelectorAll("nav.steps a[data-step]").forEach(function (link) {
      link.addEventListener("click", function (event) {
        if (!dirty) return;
        event.preventDefault();
        var action = document.createElement("input");
        action.type = "hidden";
        action.name = "action";
        action.value = "goto:" + link.getAttribute("data-step");
        form.appendChild(action);
        dirty = false;
        form.submit();
      });
    });
  }

  function limitChoices() {
    var radios = document.querySelectorAll("input[name=type_code][data-urgencies]");
    var urgency = document.getElementById("f-urgency");
    var channel = document.getElementById("f-channel");
    if (!radios.length || !urgency || !channel) return;
    function apply(select, allowed) {
      Array.prototype.forEach.call(select.options, function (option) {
        option.disabled = option.value !== "" && allowed.indexOf(option.value) < 0;
        if (option.disabled && option.selected) select.value = "";
      });
    }
    function update() {
      var chosen = document.querySelector("input[name=type_code]:checked");
      if (!chosen) return;
      apply(urgency, chosen.getAttribute("data-urgencies").split(" "));
      apply(channel, chosen.getAttribute("data-channels").split(" "));
    }
    radios.forEach(function (radio) { radio.addEventListener("change", update); });
    update();
  }

  document.addEventListener("DOMContentLoaded", function () {
    var form = document.getElementById("draft-form");
    if (form) saveBeforeLeaving(form);
    limitChoices();
    focusTarget();
  });
})();
