// The overview page's charts: /api/overview drawn with Chart.js (served from /static/vendor).
(function () {
  fetch("/api/overview", { credentials: "same-origin" }).then((r) => r.json()).then((o) => {
    const days = [...new Set(o.hits_over_time.map((r) => r.day.slice(0, 10)))].sort();
    const types = [...new Set(o.hits_over_time.map((r) => r.type))].sort();
    const colours = { hit: "#1f77b4", possible_hit: "#9467bd", consent_request: "#ff7f0e", hot_identifier: "#d62728", sanctions_hit: "#000" };
    new Chart(document.getElementById("hits-chart"), {
      type: "bar",
      data: { labels: days, datasets: types.map((t) => ({ label: t, backgroundColor: colours[t] || "#999",
        data: days.map((d) => (o.hits_over_time.find((r) => r.type === t && r.day.slice(0, 10) === d) || { n: 0 }).n) })) },
      options: { animation: false, scales: { x: { stacked: true }, y: { stacked: true } } },
    });
    const fius = [...new Set(o.exchange_matrix.flatMap((r) => [r.from_fiu, r.to_fiu]))].sort();
    const max = Math.max(1, ...o.exchange_matrix.map((r) => r.notifications));
    new Chart(document.getElementById("matrix-chart"), {
      type: "scatter",
      data: { datasets: [{ label: "notifications", data: o.exchange_matrix.map((r) => ({ x: r.from_fiu, y: r.to_fiu, n: r.notifications })),
        pointStyle: "rect", pointRadius: 18, pointHoverRadius: 20,
        backgroundColor: (c) => `rgba(214, 39, 40, ${0.1 + 0.9 * ((c.raw && c.raw.n) || 0) / max})` }] },
      options: { animation: false, plugins: { legend: { display: false },
        tooltip: { callbacks: { label: (c) => `${c.raw.x} → ${c.raw.y}: ${c.raw.n}` } } },
        scales: { x: { type: "category", labels: fius, offset: true, title: { display: true, text: "from (report of)" } },
                  y: { type: "category", labels: fius, offset: true, title: { display: true, text: "to (told)" } } } },
    });
    document.body.dataset.chartsReady = "1";
  });
})();
