/* The KPI dashboard's charts (kpi/dashboard.html), from the JSON block #kpi-data: a file, because the
   site's Content-Security-Policy allows no inline script. Run again by htmx after each boosted visit. */
(function () {
  const data = JSON.parse(document.getElementById("kpi-data").textContent);
  const palette = ["#0b5cad", "#d9822b", "#1d7a46", "#b3261e", "#6b4fbb", "#555"];
  new Chart(document.getElementById("kpi-trend"), {
    type: "line",
    data: { labels: data.months, datasets: Object.entries(data.monthly).map(([key, values], i) => ({ label: data.labels[key], data: values, borderColor: palette[i % 6], tension: 0.2 })) },
    options: { animation: false, maintainAspectRatio: false, plugins: { legend: { position: "bottom" } } }
  });
  new Chart(document.getElementById("kpi-countries"), {
    type: "bar",
    data: { labels: data.countries, datasets: [{ label: "upskilled", data: data.upskilled, backgroundColor: "#0b5cad" }] },
    options: { indexAxis: "y", animation: false, maintainAspectRatio: false, plugins: { legend: { display: false } } }
  });
})();
