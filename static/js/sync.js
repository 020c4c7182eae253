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
  var POLL_MS = 1000;
  function poll() {
    var block = document.getElementById("sync-status");
    if (!block || block.getAttribute("data-active") !== "true") return;
    fetch(block.getAttribute("data-status-url"), { credentials: "same-origin", headers: { "Accept": "text/html" } })
      .then(function (response) { return response.ok ? response.text() : Promise.reject(response.status); })
      .then(function (html) {
        var holder = document.createElement("div");
        holder.innerHTML = html;
        var fresh = holder.querySelector("#sync-status");
        if (!fresh) return;
        block.replaceWith(fresh);
        if (fresh.getAttribute("data-active") === "true") {
          setTimeout(poll, POLL_MS);
        } else {
          window.location.reload();
        }
      })
      .catch(function () { setTimeout(poll, POLL_MS * 3); });
  }
  document.addEventListener("DOMContentLoaded", function () { setTimeout(poll, POLL_MS); });
})();
