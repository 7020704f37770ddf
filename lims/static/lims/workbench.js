// The workbench's only script (no inline scripts: the Content-Security-Policy forbids them).
// A keyboard-wedge scanner types an ID and Enter into whatever has the focus, so the one scan
// field of a station page takes the focus on load and again after every answer.
(function () {
  "use strict";

  function scanField() {
    return document.querySelector("input[name=scan]");
  }

  function focusScan() {
    var field = scanField();
    if (field) { field.focus(); field.select(); }
  }

  // Options that change how the next scan is treated: a hidden input per option, switched by
  // a key (data-toggle-key, e.g. F2) or by scanning a printed command barcode
  // (data-toggle-command, e.g. CMD-DAMAGED); [data-shows=NAME] tells the person it is on.
  function toggles(form) {
    return Array.prototype.slice.call(form.querySelectorAll("input[data-toggle-key]"));
  }

  function flip(input) {
    input.value = input.value ? "" : "on";
    var shown = document.querySelectorAll("[data-shows='" + input.name + "']");
    Array.prototype.forEach.call(shown, function (el) {
      el.hidden = !input.value;
    });
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    var field = form.querySelector("input[name=scan]");
    if (!field) { return; }
    var typed = field.value.trim().toUpperCase();
    var command = toggles(form).filter(function (input) {
      return input.dataset.toggleCommand === typed;
    })[0];
    if (command) {
      event.preventDefault();
      event.stopImmediatePropagation();
      flip(command);
      field.value = "";
      field.focus();
    }
  }, true);

  // Alt+key follows a link or focuses a field marked accesskey="key", the same in every
  // browser (Firefox wants Alt+Shift for access keys, and some builds ignore them).
  function accessKey(event) {
    if (!event.altKey || event.ctrlKey || event.metaKey || event.key.length !== 1) { return false; }
    var target = document.querySelector("[accesskey='" + event.key.toLowerCase() + "']");
    if (!target) { return false; }
    event.preventDefault();
    if (target.tagName === "A") { target.click(); } else { target.focus(); }
    return true;
  }

  document.addEventListener("keydown", function (event) {
    if (accessKey(event)) { return; }
    var form = scanField() && scanField().form;
    if (form) {
      var input = toggles(form).filter(function (i) { return i.dataset.toggleKey === event.key; })[0];
      if (input) { event.preventDefault(); flip(input); focusScan(); return; }
    }
    var typing = /^(INPUT|SELECT|TEXTAREA)$/.test(document.activeElement.tagName);
    if (event.key === "/" && !typing) {
      event.preventDefault();
      document.getElementById("q").focus();
    }
  });

  // Minutes since collection, counting up; data-min and data-max mark the program's window.
  function tick() {
    var now = Date.now();
    Array.prototype.forEach.call(document.querySelectorAll("[data-since]"), function (el) {
      var minutes = Math.floor((now - Date.parse(el.dataset.since)) / 60000);
      var min = el.dataset.min ? Number(el.dataset.min) : null;
      var max = el.dataset.max ? Number(el.dataset.max) : null;
      var text = minutes + " min";
      var tone = "ok";
      if (min !== null && minutes < min) { text += " (wait " + (min - minutes) + " min more)"; tone = "wait"; }
      if (max !== null && minutes > max) { text += " (past the " + max / 60 + "-hour limit)"; tone = "error"; }
      else if (max !== null && minutes > max - 30) { text += " (" + (max - minutes) + " min left)"; tone = "warn"; }
      el.textContent = text;
      el.className = "clock " + tone;
    });
  }

  // A page without a scan field may name the form whose first field takes the focus.
  function focusFirstField() {
    var form = document.querySelector("[data-focus-first]");
    var field = form && form.querySelector("input:not([type=hidden]), select, textarea, button");
    if (field) { field.focus(); }
  }

  function nothingFocused() {
    return !document.activeElement || document.activeElement === document.body;
  }

  document.addEventListener("DOMContentLoaded", function () {
    if (nothingFocused()) { focusScan(); }
    if (nothingFocused()) { focusFirstField(); }
    tick();
    window.setInterval(tick, 15000);
  });
  document.addEventListener("htmx:afterSettle", function () { focusScan(); tick(); });
})();
