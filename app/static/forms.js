/* Kokemuspankki: small enhancements of the server-rendered forms (the pages work without it).

   Character counters: a field with data-maxlength has a hint (aria-describedby) that says
   its limit; while typing, the hint tells how many characters are left or too many. The
   server still checks the length and says so next to the field: nothing is cut silently.
   Screen readers hear the count in a polite live region, once typing pauses. */
(function () {
  "use strict";

  function fill(template, count) {
    return template.replace("{n}", String(count));
  }

  function setUpCounter(field) {
    var hint = document.getElementById(field.id + "-limit");
    if (!hint) {
      return;
    }
    var limit = parseInt(field.getAttribute("data-maxlength"), 10);
    var spoken = document.createElement("span");
    spoken.className = "visually-hidden";
    spoken.setAttribute("aria-live", "polite");
    hint.parentNode.insertBefore(spoken, hint.nextSibling);
    var timer = null;

    function update(announce) {
      var left = limit - field.value.length;
      var text = left >= 0 ? fill(hint.getAttribute("data-left"), left)
                           : fill(hint.getAttribute("data-over"), -left);
      hint.textContent = text;
      hint.classList.toggle("counter-over", left < 0);
      if (announce) {
        window.clearTimeout(timer);
        timer = window.setTimeout(function () { spoken.textContent = text; }, 800);
      }
    }

    field.addEventListener("input", function () { update(true); });
    update(false);
  }

  function start() {
    var fields = document.querySelectorAll("[data-maxlength]");
    for (var i = 0; i < fields.length; i += 1) {
      setUpCounter(fields[i]);
    }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
}());
