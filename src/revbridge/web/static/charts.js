// Draws every chart of a page: a <canvas data-chart="ID"> and a <script type="application/json" id="ID">
// holding Chart.js's configuration, made on the server. No animation: the page (and its PDF) is final at once.
document.addEventListener("DOMContentLoaded", () => {
  if (typeof Chart === "undefined") return;
  Chart.defaults.animation = false;
  Chart.defaults.font.family = getComputedStyle(document.body).fontFamily;
  Chart.defaults.maintainAspectRatio = false;
  for (const canvas of document.querySelectorAll("canvas[data-chart]")) {
    const config = document.getElementById(canvas.dataset.chart);
    if (config) new Chart(canvas, JSON.parse(config.textContent));
  }
  document.body.dataset.chartsDrawn = "yes";
});
