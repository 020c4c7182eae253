// Keyboard use of the page. No inline scripts: the Content-Security-Policy forbids them.
(function () {
  "use strict";

  // <select data-autosubmit> (the role switcher, the planning filters) submits its form when a choice is picked
  // (static/js/app.js). With the list closed, an arrow key changes the choice at once, so someone moving through
  // the options would be sent away on the first key. A choice made with the keyboard waits for Enter (or the
  // form's own button); a pointer's pick still submits at once.
  var keyed = new WeakSet();
  var KEYS = ["ArrowUp", "ArrowDown", "ArrowLeft", "ArrowRight", "Home", "End", "PageUp", "PageDown"];

  function autosubmitSelect(el) {
    return el && el.matches && el.matches("select[data-autosubmit]") && el.form ? el : null;
  }

  document.addEventListener("keydown", function (event) {
    var select = autosubmitSelect(event.target);
    if (!select) return;
    if (event.key === "Enter") {
      event.preventDefault();
      keyed.delete(select);
      select.form.requestSubmit ? select.form.requestSubmit() : select.form.submit();
    } else if (KEYS.indexOf(event.key) !== -1 || event.key.length === 1) {
      keyed.add(select);  // letters jump to an option too
    }
  }, true);

  // Capture phase on the window: runs before app.js's listener on the document, and stops it for a keyed change.
  window.addEventListener("change", function (event) {
    var select = autosubmitSelect(event.target);
    if (select && keyed.has(select)) {
      event.stopImmediatePropagation();
    }
  }, true);

  // Leaving the select, or picking with the pointer, forgets the keys: a pointer's pick submits again.
  ["focusout", "pointerdown"].forEach(function (type) {
    document.addEventListener(type, function (event) {
      var select = autosubmitSelect(event.target);
      if (select) keyed.delete(select);
    });
  });
})();
