// The language menu sends the reader to the page they are on. Filters applied through htmx
// change the address without reloading the header, so keep its "next" field in step.
(function () {
  function follow() {
    var here = window.location.pathname + window.location.search;
    document.querySelectorAll(".language-switcher input[name=next]").forEach(function (input) {
      input.value = here;
    });
  }
  document.addEventListener("htmx:pushedIntoHistory", follow);
  document.addEventListener("htmx:replacedInHistory", follow);
  window.addEventListener("popstate", follow);
})();
