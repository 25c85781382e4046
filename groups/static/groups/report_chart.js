// Revenue, profit and group savings of a KUBE per month; the same numbers are in the table below.
(function () {
  const canvas = document.getElementById("report-chart");
  const source = document.getElementById("report-chart-data");
  if (!canvas || !source || typeof Chart === "undefined") return;
  const data = JSON.parse(source.textContent);
  // Numbers in the reader's language, like the table; the axis abbreviates.
  const locale = document.documentElement.lang === "en" ? "en" : "id-ID";
  const rupiah = (value) => "Rp " + Math.round(value).toLocaleString(locale);
  const compact = new Intl.NumberFormat(locale, {
    notation: "compact",
    maximumFractionDigits: 1,
  });
  const labels = document.documentElement.lang === "en"
    ? ["Revenue", "Profit", "Group savings"]
    : ["Omzet", "Laba", "Tabungan kelompok"];
  new Chart(canvas, {
    type: "line",
    data: {
      labels: data.labels,
      datasets: [
        { label: labels[0], data: data.revenue, borderColor: "#0b3b6f", backgroundColor: "#0b3b6f", tension: 0.2 },
        { label: labels[1], data: data.profit, borderColor: "#198754", backgroundColor: "#198754", tension: 0.2 },
        { label: labels[2], data: data.savings, borderColor: "#f2b705", backgroundColor: "#f2b705", tension: 0.2 },
      ],
    },
    options: {
      maintainAspectRatio: false,
      animation: false, // drawn at once, like the dashboards: no half-grown lines on a slow phone

      interaction: { mode: "index", intersect: false },
      scales: { y: { ticks: { callback: (value) => "Rp " + compact.format(value) } } },
      plugins: { tooltip: { callbacks: { label: (ctx) => ctx.dataset.label + ": " + rupiah(ctx.parsed.y) } } },
    },
  });
})();
