// Weekly analysis charts (Chart.js, vendored: no CDN). Labels come from the page's JSON, set as text.
"use strict";
(function () {
  const d = JSON.parse(document.getElementById("analysis-data").textContent);
  const palette = ["#c0392b", "#2e86c1", "#27ae60", "#d68910", "#8e44ad", "#16a085", "#7f8c8d",
    "#e67e22", "#2c3e50", "#a93226", "#1f618d", "#196f3d", "#6c3483"];
  Chart.defaults.font.family = '"Noto Sans CJK SC", "Noto Sans SC", "Microsoft YaHei", sans-serif';
  const cats = Object.keys(d.category_totals);
  new Chart(document.getElementById("chart-category"), {
    type: "bar",
    data: {labels: cats.map((c) => d.names[c] || c),
      datasets: [{maxBarThickness: 90, data: cats.map((c) => d.category_totals[c]), backgroundColor: cats.map((_, i) => palette[i % palette.length])}]},
    options: {plugins: {legend: {display: false}}, scales: {y: {beginAtZero: true, ticks: {precision: 0}}}, animation: false},
  });
  const days = Object.keys(d.days);
  new Chart(document.getElementById("chart-day"), {
    type: "bar",
    data: {labels: days.map((x) => x.slice(5)),
      datasets: cats.map((c, i) => ({label: d.names[c] || c, maxBarThickness: 90, data: days.map((x) => (d.categories[c] || {})[x] || 0),
        backgroundColor: palette[i % palette.length]}))},
    options: {scales: {x: {stacked: true}, y: {stacked: true, beginAtZero: true, ticks: {precision: 0}}}, animation: false},
  });
})();
