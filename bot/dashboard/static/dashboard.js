// Draws each chart of the page from the numbers the server put in #chart-data (the same
// numbers as the tables under the charts). No inline script: the page's policy forbids it.
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("chart-data").textContent || "[]");
  // No red: it reads as bad, and only a series that means so is drawn in it (its colour).
  var colours = ["#2563eb", "#16a34a", "#9333ea", "#ea580c", "#0891b2", "#4b5563"];
  data.forEach(function (chart) {
    var canvas = document.getElementById("chart-" + chart.key);
    if (!canvas || typeof Chart === "undefined") { return; }
    var percent = chart.series.every(function (s) {
      return s.values.every(function (v) { return v === null || (v >= 0 && v <= 1); });
    }) && /recall/.test(chart.key);
    new Chart(canvas, {
      type: chart.kind,
      data: {
        labels: chart.labels,
        datasets: chart.series.map(function (series, index) {
          return {
            label: series.name, data: series.values, spanGaps: true, tension: 0.2,
            borderColor: series.colour || colours[index % colours.length],
            backgroundColor: series.colour || colours[index % colours.length]
          };
        })
      },
      options: {
        responsive: true, maintainAspectRatio: false, animation: false,
        scales: {
          // Counts are whole: no 0.5 learners on the axis of a small cohort.
          y: percent ? { min: 0, max: 1 } : { beginAtZero: true, ticks: { precision: 0 } },
          // A lesson's title may be long: a label cut short keeps to its bar (the table
          // under the chart has it whole).
          x: { ticks: { callback: function (value) {
            var label = String(this.getLabelForValue(value));
            return label.length > 32 ? label.slice(0, 31) + "\u2026" : label;
          } } }
        },
        plugins: { legend: { display: chart.series.length > 1 } }
      }
    });
    canvas.setAttribute("data-drawn", "true");
  });
  // A click on a column's heading sorts the table by it (again: the other way), numbers as
  // numbers; the heading says how it is sorted, for screen readers too. A cell the server
  // gave a number to sort by (data-sort) sorts by it: its words, "47% (693 of 1475)", read
  // as text put "100%" among the tens, and a rounded percentage cannot order two shares
  // that both read 47%.
  Array.prototype.forEach.call(document.querySelectorAll("table.sortable"), function (table) {
    var body = table.tBodies[0];
    Array.prototype.forEach.call(table.tHead.rows[0].cells, function (heading, column) {
      var button = document.createElement("button");
      button.type = "button";
      button.className = "sort";
      while (heading.firstChild) { button.appendChild(heading.firstChild); }
      heading.appendChild(button);
      button.addEventListener("click", function () {
        var down = heading.getAttribute("aria-sort") === "ascending";
        Array.prototype.forEach.call(table.tHead.rows[0].cells, function (other) {
          other.removeAttribute("aria-sort");
        });
        heading.setAttribute("aria-sort", down ? "descending" : "ascending");
        var rows = Array.prototype.filter.call(body.rows, function (row) {
          return !row.classList.contains("more");
        });
        var keyed = rows.map(function (row, index) {
          var cell = row.cells[column];
          var text = "";
          if (cell) {  // its words, without the "!" that marks a row (a tint says it too)
            var copy = cell.cloneNode(true);
            Array.prototype.forEach.call(copy.querySelectorAll(".flag"), function (flag) {
              flag.remove();
            });
            text = copy.textContent.trim();
          }
          // "-" (nothing to divide) says no more than an empty cell.
          if (/^[-\u2013\u2014]$/.test(text)) { text = ""; }
          var given = cell ? cell.getAttribute("data-sort") : null;
          var number = given !== null && given !== "" && isFinite(Number(given))
            ? Number(given)
            : /^-?[\d.,]+\s*%?$/.test(text) ? parseFloat(text.replace(/[%,]/g, "")) : null;
          return { row: row, index: index, text: text, number: number };
        });
        keyed.sort(function (a, b) {
          // An empty cell says nothing: last, whichever way the column is sorted.
          if (!a.text || !b.text) { return (!a.text) - (!b.text) || a.index - b.index; }
          var order;
          if (a.number !== null && b.number !== null) { order = a.number - b.number; }
          else if (a.number !== null) { order = -1; }
          else if (b.number !== null) { order = 1; }
          else { order = a.text.localeCompare(b.text, undefined, { numeric: true }); }
          return (down ? -order : order) || a.index - b.index;
        });
        var more = body.querySelector("tr.more");
        keyed.forEach(function (item) { body.insertBefore(item.row, more); });
      });
    });
  });
  // Back or Forward may show a page with the filters as they were last touched, not as the
  // figures were made (the browser keeps the page, or fills the form in again): put them back
  // to what the page's address says, so the boxes always name the figures shown.
  window.addEventListener("pageshow", function () {
    Array.prototype.forEach.call(document.querySelectorAll("form.filters"), function (form) {
      form.reset();
    });
  });
}());
