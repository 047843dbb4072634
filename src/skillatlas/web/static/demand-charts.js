/* The demand page's charts (intelligence/demand.html), from the JSON block #demand-data: a file, because
   the site's Content-Security-Policy allows no inline script. Run again by htmx after each boosted visit. */
(function () {
  const report = JSON.parse(document.getElementById("demand-data").textContent);
  new Chart(document.getElementById("top-chart"), {
    type: "bar",
    data: { labels: report.top.map(s => s.label), datasets: [{ label: "ads", data: report.top.map(s => s.ads), backgroundColor: "#0b5cad" }] },
    options: { indexAxis: "y", plugins: { legend: { display: false } }, animation: false, maintainAspectRatio: false }
  });
  const palette = ["#0b5cad", "#d9822b", "#1d7a46", "#b3261e", "#6b4fbb"];
  new Chart(document.getElementById("trend-chart"), {
    type: "line",
    data: { labels: report.months, datasets: Object.entries(report.monthly).map(([label, data], i) => ({ label, data, borderColor: palette[i % 5], tension: 0.2 })) },
    options: { animation: false, maintainAspectRatio: false, plugins: { legend: { position: "bottom" } } }
  });
})();
