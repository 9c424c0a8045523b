// The world map's readout: the name and status of the state under the pointer or the keyboard
// focus, written in a line under the map, where nothing covers it and it reads at a phone's
// width. Without JavaScript each state's own tip, drawn inside the map, does the same.
(function () {
  document.documentElement.classList.add("map-readout-on");
  function show(event) {
    var place = event.target.closest ? event.target.closest("a.map-place") : null;
    if (!place) return;
    var readout = place.closest("figure.world-map").querySelector(".map-readout");
    if (readout) readout.textContent = place.getAttribute("aria-label");
  }
  // On the document: the recommendation page's map is replaced when its filters change.
  document.addEventListener("mouseover", show);
  document.addEventListener("focusin", show);
})();
