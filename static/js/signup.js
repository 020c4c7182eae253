// The sign-up page: the address follows the organization's name until the person types an address of their own.
// The same rule as people.forms.suggest_slug, which also fills an address left empty.
(function () {
  "use strict";
  var name = document.getElementById("id_organization_name");
  var slug = document.getElementById("id_slug");
  if (!name || !slug) return;

  function suggest(text) {
    // Django's slugify: accents off and other non-ASCII dropped ("Café" gives "cafe"), then only letters,
    // digits, underscores, hyphens; runs of spaces and hyphens become one hyphen.
    var value = text.normalize("NFKD").replace(/[^\x00-\x7F]/g, "").toLowerCase();
    value = value.replace(/[^\w\s-]/g, "").replace(/[-\s]+/g, "-").replace(/^[-_]+|[-_]+$/g, "");
    return value.slice(0, 60).replace(/^-+|-+$/g, "");
  }

  // An address already typed (or sent back with an error) is the person's own: it is left alone.
  var following = slug.value === "" || slug.value === suggest(name.value);
  name.addEventListener("input", function () {
    if (following) slug.value = suggest(name.value);
  });
  slug.addEventListener("input", function () {
    following = slug.value === "";
  });
})();
