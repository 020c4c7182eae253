// Integration settings on a project's page: a live progress bar while a sync runs, and a searchable project list.
(function () {
  "use strict";

  // <input data-filter-list="list-id">: hide the list's items whose text does not contain what was typed.
  document.addEventListener("input", function (event) {
    var input = event.target;
    var listId = input.getAttribute && input.getAttribute("data-filter-list");
    if (!listId) return;
    var needle = input.value.trim().toLowerCase();
    document.querySelectorAll("#" + listId + " li").forEach(function (item) {
      item.hidden = needle !== "" && item.textContent.toLowerCase().indexOf(needle) === -1;
    });
  });

  // #sync-status[data-active=true]: poll its URL and swap the block; when the sync ends, reload the page so the
  // work logs and assignments it wrote show up.
  // #sync-status[data-live=true] (Hubstaff's live updates are on): poll it slowly too, refreshing the "Live updates"
  // line only; when a run started by Hubstaff's events appears, follow it as above and reload when it has finished.
  var POLL_MS = 1000;
  var LIVE_POLL_MS = 10000;
  function typing() {
    var el = document.activeElement;
    return !!(el && el.form && /^(INPUT|SELECT|TEXTAREA)$/.test(el.tagName));
  }
  function poll() {
    var block = document.getElementById("sync-status");
    if (!block) return;
    var active = block.getAttribute("data-active") === "true";
    if (!active && block.getAttribute("data-live") !== "true") return;
    fetch(block.getAttribute("data-status-url"), { credentials: "same-origin", headers: { "Accept": "text/html" } })
      .then(function (response) { return response.ok ? response.text() : Promise.reject(response.status); })
      .then(function (html) {
        var holder = document.createElement("div");
        holder.innerHTML = html;
        var fresh = holder.querySelector("#sync-status");
        if (!fresh) return;
        var changed = fresh.getAttribute("data-latest-run") !== block.getAttribute("data-latest-run");
        if (fresh.getAttribute("data-active") === "true") {
          block.replaceWith(fresh);
          setTimeout(poll, POLL_MS);
        } else if (active || changed) {
          // A form being filled in is not thrown away: the reload waits until the field loses focus.
          if (typing()) { setTimeout(poll, POLL_MS * 3); return; }
          block.replaceWith(fresh);
          window.location.reload();
        } else {
          // Nothing ran: only the "Live updates" line changes, so that a form inside the block keeps its input.
          var line = block.querySelector("#live-updates");
          var freshLine = fresh.querySelector("#live-updates");
          if (line && freshLine) line.replaceWith(freshLine);
          block.setAttribute("data-live", fresh.getAttribute("data-live"));
          setTimeout(poll, LIVE_POLL_MS);
        }
      })
      .catch(function () { setTimeout(poll, (active ? POLL_MS : LIVE_POLL_MS) * 3); });
  }
  document.addEventListener("DOMContentLoaded", function () {
    var block = document.getElementById("sync-status");
    var active = block && block.getAttribute("data-active") === "true";
    setTimeout(poll, active ? POLL_MS : LIVE_POLL_MS);
  });
})();
