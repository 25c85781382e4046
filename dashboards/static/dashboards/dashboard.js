// Draws the dashboard charts from the JSON the page embeds; every chart's numbers are also in a table.
(function () {
  "use strict";
  var source = document.getElementById("dashboard-charts");
  if (!source || typeof Chart === "undefined") { return; }
  var charts = JSON.parse(source.textContent);
  var locale = document.documentElement.lang === "en" ? "en" : "id-ID";
  var colours = ["#1f3a68", "#2e8b57", "#d98e04", "#8e44ad", "#c0392b", "#16a085", "#7f8c8d"];
  var compact = new Intl.NumberFormat(locale, { notation: "compact", maximumFractionDigits: 1 });
  var whole = new Intl.NumberFormat(locale);
  Chart.defaults.maintainAspectRatio = false;
  Chart.defaults.animation = false;
  Chart.defaults.font.size = 11;

  function draw(id, config) {
    var canvas = document.getElementById(id);
    if (canvas) { new Chart(canvas, config); }
  }

  draw("chart-trend", {
    type: "line",
    data: {
      labels: charts.trend.labels,
      datasets: charts.trend.series.map(function (series, i) {
        return { label: series.label, data: series.data, borderColor: colours[i], backgroundColor: colours[i], tension: 0.2, pointRadius: 2 };
      })
    },
    options: {
      scales: { y: { ticks: { callback: function (value) { return "Rp " + compact.format(value); } } }, x: { ticks: { maxRotation: 0, autoSkip: true } } },
      plugins: { legend: { position: "bottom" }, tooltip: { callbacks: { label: function (ctx) { return ctx.dataset.label + ": " + whole.format(ctx.parsed.y); } } } }
    }
  });
  draw("chart-levels", {
    type: "doughnut",
    data: { labels: charts.levels.labels, datasets: [{ data: charts.levels.data, backgroundColor: colours }] },
    options: { plugins: { legend: { position: "bottom" } } }
  });
  draw("chart-programs", {
    type: "bar",
    data: { labels: charts.programs.labels, datasets: [{ data: charts.programs.data, backgroundColor: colours[0] }] },
    options: { plugins: { legend: { display: false } }, scales: { y: { beginAtZero: true, ticks: { precision: 0 } } } }
  });
  draw("chart-activity", {
    type: "bar",
    data: {
      labels: charts.activity.labels,
      datasets: charts.activity.series.map(function (series, i) {
        return { label: series.label, data: series.data, backgroundColor: colours[i + 3] };
      })
    },
    options: { plugins: { legend: { position: "bottom" } }, scales: { y: { beginAtZero: true, ticks: { precision: 0 } }, x: { ticks: { maxRotation: 0, autoSkip: true } } } }
  });
  draw("chart-funnel", {
    type: "bar",
    data: { labels: charts.funnel.labels, datasets: [{ data: charts.funnel.data, backgroundColor: colours }] },
    options: { plugins: { legend: { display: false } }, scales: { y: { beginAtZero: true, ticks: { precision: 0 } } } }
  });
  [["chart-ranking-coverage", charts.ranking_coverage_pct, colours[1]],
   ["chart-ranking-graduation", charts.ranking_graduation_rate, colours[2]]].forEach(function (item) {
    if (!item[1]) { return; }
    draw(item[0], {
      type: "bar",
      data: { labels: item[1].labels, datasets: [{ data: item[1].data, backgroundColor: item[2] }] },
      options: {
        indexAxis: "y",
        plugins: { legend: { display: false } },
        scales: { x: { beginAtZero: true, suggestedMax: 100, ticks: { callback: function (value) { return value + "%"; } } } }
      }
    });
  });
}());
