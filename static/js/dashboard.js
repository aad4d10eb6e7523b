/* Dashboards (dashboards/templates/dashboards/): draws each KPI card's trend over the fiscal
   year with Chart.js (static/vendor/chartjs). The numbers come from the card's own
   <script type="application/json"> (json_script); the same numbers are in the table behind the
   chart, which stays the way to read them without the picture (and is opened when the chart
   library could not load). A month picker change shows that month at once. */
(function () {
  "use strict";

  var BRAND = "#5b2c83";
  var TARGET = "#9a6700";
  var GRID = "#dde1e8";
  var INK = "#1f2430";

  // A value as the cards write it (87.50%, 12,000.00 บาท); on an axis without decimals
  // and without the currency.
  function number(value, suffix, axis) {
    if (value === null || value === undefined) return "-";
    var decimals = axis ? (Math.round(value) === value ? 0 : 1) : 2;
    var text = Number(value).toLocaleString("th-TH", {
      minimumFractionDigits: decimals, maximumFractionDigits: decimals
    });
    return axis && suffix !== "%" ? text : text + suffix;
  }

  function draw(canvas) {
    var data = JSON.parse(document.getElementById(canvas.dataset.chart).textContent);
    var datasets = [{
      label: data.label,
      data: data.values,
      borderColor: BRAND,
      backgroundColor: BRAND,
      pointRadius: 3,
      pointHoverRadius: 5,
      borderWidth: 2,
      spanGaps: true,
      tension: 0.2
    }];
    if (data.targets) {
      datasets.push({
        label: data.target_label,
        data: data.targets,
        borderColor: TARGET,
        borderDash: [6, 4],
        borderWidth: 1.5,
        pointRadius: 0,
        pointHoverRadius: 0
      });
    }
    return new window.Chart(canvas, {
      type: data.kind === "bar" ? "bar" : "line",
      data: { labels: data.labels, datasets: datasets },
      options: {
        responsive: true,
        maintainAspectRatio: false,
        animation: false,
        interaction: { mode: "index", intersect: false },
        plugins: {
          legend: { display: false },
          tooltip: {
            callbacks: {
              label: function (ctx) { return ctx.dataset.label + ": " + number(ctx.parsed.y, data.suffix); }
            }
          }
        },
        scales: {
          x: { grid: { display: false }, ticks: { color: INK, autoSkip: true, maxRotation: 0 } },
          y: {
            beginAtZero: true,
            grid: { color: GRID },
            ticks: { color: INK, maxTicksLimit: 5, callback: function (v) { return number(v, data.suffix, true); } }
          }
        }
      }
    });
  }

  function start() {
    var canvases = document.querySelectorAll("canvas[data-chart]");
    if (!window.Chart) {
      // No chart library: the tables behind the charts are the charts.
      document.querySelectorAll("details.chart-table").forEach(function (d) { d.open = true; });
      return;
    }
    window.Chart.defaults.font.family = "Sarabun, sans-serif";
    window.Chart.defaults.font.size = 13;
    canvases.forEach(function (canvas) {
      canvas.chart = draw(canvas);
      canvas.dataset.drawn = "1";
    });
  }

  document.querySelectorAll("form[data-autosubmit] select").forEach(function (select) {
    select.addEventListener("change", function () { select.form.submit(); });
  });

  // Draw once Sarabun is loaded, so the axis labels are measured in the font they show in.
  if (document.fonts && document.fonts.load) {
    Promise.all([document.fonts.load("13px Sarabun"), document.fonts.ready]).then(start, start);
  } else {
    start();
  }
})();
