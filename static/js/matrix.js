// The matrix (issue 17): the grid is one tab stop, and the arrow keys move the focus from
// link to link (a roving tabindex): Left and Right along a row (as they look, right to left
// in Arabic too), Up and Down along a column, Home and End to the start and end of a row,
// with Ctrl to the grid's first and last links. Enter follows the link, as any link's.
// Blank cells (left out by the filters) are skipped. Without this script every link is a tab
// stop of its own. Tables that htmx swaps in (the filters) are set up as they arrive.
(function () {
  "use strict";

  // The rows the focus moves along: the row of column codes, then the body's rows. Each
  // starts with its header cell, so a cell's index is its column in every one of them.
  function navigable(table) {
    var head = table.tHead.rows;
    return [head[head.length - 1]].concat(Array.prototype.slice.call(table.tBodies[0].rows));
  }

  function linkAt(row, column) {
    var cell = row && row.cells[column];
    return cell ? cell.querySelector("a") : null;
  }

  function alongRow(row, column, step) {
    for (var c = column; c >= 0 && c < row.cells.length; c += step) {
      var link = linkAt(row, c);
      if (link) return link;
    }
    return null;
  }

  function alongColumn(rows, index, column, step) {
    for (var r = index; r >= 0 && r < rows.length; r += step) {
      var link = linkAt(rows[r], column);
      if (link) return link;
    }
    return null;
  }

  // The sticky header rows and first column must not hide the focused cell: the scroll box
  // keeps that much room when it scrolls a cell into view (CSSOM, which the CSP allows).
  function pad(table) {
    var box = table.closest(".matrix-scroll");
    var first = table.tBodies[0].rows[0];
    if (!box || !first) return;
    box.style.scrollPaddingBlockStart = table.tHead.offsetHeight + "px";
    box.style.scrollPaddingInlineStart = first.cells[0].offsetWidth + "px";
    table.style.setProperty("--matrix-first", first.cells[0].offsetWidth + "px");
  }

  function setUp(table) {
    if (table.dataset.roving) return;
    table.dataset.roving = "on";
    var links = table.querySelectorAll("a");
    for (var i = 0; i < links.length; i++) links[i].tabIndex = -1;
    var first = table.tBodies[0].querySelector("td a") || links[0];
    if (first) first.tabIndex = 0;
    pad(table);
  }

  function setUpAll() {
    document.querySelectorAll("table.matrix").forEach(setUp);
  }

  function focusOn(table, link) {
    var current = table.querySelector("a[tabindex='0']");
    if (current && current !== link) current.tabIndex = -1;
    link.tabIndex = 0;
    link.focus({ preventScroll: true });
    var cell = link.closest("td, th");
    if (cell.parentElement.parentElement === table.tBodies[0]) {
      cell.scrollIntoView({ block: "nearest", inline: "nearest" });
    }
  }

  document.addEventListener("keydown", function (event) {
    if (event.altKey || event.metaKey || event.shiftKey) return;
    var link = event.target.closest && event.target.closest("a");
    var table = link && link.closest("table.matrix");
    if (!table) return;
    var rows = navigable(table);
    var cell = link.closest("td, th");
    var index = rows.indexOf(cell.parentElement);
    if (index < 0) return;
    var column = cell.cellIndex;
    var key = event.key;
    if (getComputedStyle(table).direction === "rtl") {
      key = { ArrowLeft: "ArrowRight", ArrowRight: "ArrowLeft" }[key] || key;
    }
    var target;
    if (key === "ArrowRight") target = alongRow(rows[index], column + 1, 1);
    else if (key === "ArrowLeft") target = alongRow(rows[index], column - 1, -1);
    else if (key === "ArrowDown") target = alongColumn(rows, index + 1, column, 1);
    else if (key === "ArrowUp") target = alongColumn(rows, index - 1, column, -1);
    else if (key === "Home" && event.ctrlKey) target = alongRow(rows[1], 0, 1);
    else if (key === "End" && event.ctrlKey) {
      var last = rows[rows.length - 1];
      target = alongRow(last, last.cells.length - 1, -1);
    } else if (key === "Home") target = alongRow(rows[index], 0, 1);
    else if (key === "End") target = alongRow(rows[index], rows[index].cells.length - 1, -1);
    else return;
    event.preventDefault();
    if (target) focusOn(table, target);
  });

  // A link reached otherwise (a click, the browser's find) becomes the grid's tab stop.
  document.addEventListener("focusin", function (event) {
    var link = event.target;
    var table = link.closest && link.tagName === "A" && link.closest("table.matrix");
    if (table && link.tabIndex !== 0) focusOn(table, link);
  });

  setUpAll();
  document.addEventListener("htmx:afterSettle", setUpAll);
  window.addEventListener("resize", function () {
    document.querySelectorAll("table.matrix").forEach(pad);
  });
})();
