// Integration settings on a project's page: a live progress bar while a sync runs, its result where the person is
// looking, and a searchable project list.
(function () {
  "use strict";

  // The panel's stylesheet comes from the body, loaded as for print so that it never holds the page back: on.
  document.querySelectorAll("link[data-sync-panel-css]").forEach(function (link) { link.media = "all"; });

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

  // #sync-status[data-active=true]: poll its URL and swap the block; when the sync ends, the block shows its result
  // and the rest of the page (work logs, assignments) is brought up to date from the page itself, without a reload:
  // focus and scroll stay where the person is, and #sync-announce says the result.
  // #sync-status[data-live=true] (Hubstaff's live updates are on): poll it slowly too, refreshing the "Live updates"
  // line only; when a run started by Hubstaff's events appears, follow it as above.
  // The page opened at #sync-status (after Reset and sync all work logs, Preview or Apply): the person follows the
  // run, so the progress and then the result are scrolled to and focused.
  var POLL_MS = 1000;
  var LIVE_POLL_MS = 10000;
  var following = window.location.hash === "#sync-status";

  function typing() {
    var el = document.activeElement;
    return !!(el && el.form && /^(INPUT|SELECT|TEXTAREA)$/.test(el.tagName));
  }

  // Where focus goes: the run under way, else its result (a preview's report, or Last sync).
  function target(block) {
    return block.querySelector("#sync-run-now") || block.querySelector("#preview-report") ||
      block.querySelector("#last-sync") || block;
  }

  function bringIntoView(block) {
    var el = target(block);
    if (!el.hasAttribute("tabindex")) el.setAttribute("tabindex", "-1");
    el.focus({ preventScroll: true });
    el.scrollIntoView({ block: "start", behavior: "auto" });
  }

  // Focus is moved only from where nobody is working: the page itself, or the block being replaced.
  function focusIsFree(block) {
    var el = document.activeElement;
    return !el || el === document.body || el.id === "main" || block.contains(el);
  }

  // The rest of the page after a run wrote work logs and assignments: the main column's sections, from the page's
  // own HTML (the side panel's forms keep what is being typed).
  function refreshPage() {
    return fetch(window.location.pathname, { credentials: "same-origin", headers: { "Accept": "text/html" } })
      .then(function (response) { return response.ok ? response.text() : Promise.reject(response.status); })
      .then(function (html) {
        var doc = new DOMParser().parseFromString(html, "text/html");
        var fresh = doc.querySelector(".main-col");
        var column = document.querySelector(".main-col");
        if (fresh && column && !column.contains(document.activeElement)) {
          column.replaceWith(document.importNode(fresh, true));
        }
      })
      .catch(function () { /* the totals refresh with the next visit; the result is already shown */ });
  }

  function announce(text) {
    var region = document.getElementById("sync-announce");
    if (!region || !text) return;
    region.textContent = "";
    // A change after an empty tick is announced even when the words are the same as the last run's.
    setTimeout(function () { region.textContent = text; }, 50);
  }

  function ended(block, fresh, moveFocus) {
    var free = moveFocus && focusIsFree(block);
    block.replaceWith(fresh);
    announce(fresh.getAttribute("data-result"));
    if (free) bringIntoView(fresh);
    refreshPage();
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
          var keep = focusIsFree(block) && block.contains(document.activeElement);
          block.replaceWith(fresh);
          if (keep) target(fresh).focus({ preventScroll: true });
          setTimeout(poll, POLL_MS);
        } else if (active || changed) {
          // A form being filled in is not thrown away: the swap waits until the field loses focus.
          if (typing() && block.contains(document.activeElement)) { setTimeout(poll, POLL_MS * 3); return; }
          ended(block, fresh, following);
          following = false;
          if (fresh.getAttribute("data-live") === "true") setTimeout(poll, LIVE_POLL_MS);
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
    if (!block) return;
    var active = block.getAttribute("data-active") === "true";
    if (following) {
      bringIntoView(block);
      // A run that ended before the page came back: its result is said, as one that ends while watched.
      if (!active) announce(block.getAttribute("data-result"));
    }
    setTimeout(poll, active ? POLL_MS : LIVE_POLL_MS);
  });
  // The browser's own move to #sync-status (after the load) puts focus back on the page when the block itself
  // cannot take it: focus goes to the run again, unless the person has moved on meanwhile.
  window.addEventListener("load", function () {
    if (!following) return;
    setTimeout(function () {
      var block = document.getElementById("sync-status");
      if (block && focusIsFree(block)) bringIntoView(block);
    }, 0);
  });
})();
