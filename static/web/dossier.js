// 项目档案: 月度计划与已审核月报完成投资（万元）. The figures are the ones in the table below, embedded
// in the page (json_script); ECharts is served by this site. No request leaves it.
(function () {
  var el = document.getElementById("investment-chart");
  var source = document.getElementById("investment-data");
  if (!el || !source || !window.echarts) { return; }
  var data = JSON.parse(source.textContent);
  var num = function (xs) { return xs.map(function (x) { return x === null ? null : Number(x); }); };
  var printing = document.body.classList.contains("page-print");
  var chart = echarts.init(el, null, { renderer: printing ? "svg" : "canvas" });
  var colors = ["#9ab3d5", "#1a56db", "#f2a900", "#188038"];
  var names = ["月度计划", "月度完成", "累计计划", "累计完成"];
  chart.setOption({
    animation: !printing,
    color: colors,
    tooltip: { trigger: "axis" },
    // The legend is the page's list above the chart (charts.js); this one is only the toggle's state.
    legend: { show: false, data: names },
    grid: { left: 8, right: 8, top: 32, bottom: 8, containLabel: true },
    xAxis: { type: "category", data: data.months },
    yAxis: [
      { type: "value", name: "月度（万元）", nameTextStyle: { align: "left" } },
      { type: "value", name: "累计（万元）", nameTextStyle: { align: "right" }, splitLine: { show: false } }
    ],
    series: [
      { name: names[0], type: "bar", data: num(data.plan) },
      { name: names[1], type: "bar", data: num(data.completed) },
      { name: names[2], type: "line", yAxisIndex: 1, data: num(data.plan_cumulative) },
      { name: names[3], type: "line", yAxisIndex: 1, data: num(data.completed_cumulative), connectNulls: false }
    ]
  });
  if (window.chartLegend) {
    window.chartLegend(chart, el, names.map(function (name, i) { return { name: name, color: colors[i], type: i < 2 ? "bar" : "line" }; }));
  }
  window.addEventListener("resize", function () { chart.resize(); });
  // A chart drawn while its section was folded has no size: draw it again when the section opens.
  var fold = el.closest("details");
  if (fold) { fold.addEventListener("toggle", function () { if (fold.open) { chart.resize(); } }); }
  if (window.matchMedia) {
    window.matchMedia("print").addEventListener("change", function () { chart.resize(); });
  }
})();

// The dossier's sections fold (<details>). They are rendered open, so a desktop, a page without
// script and the print view show everything; on a phone they fold, and the summary card comes first.
// A link to a section or a row (#milestones, #problem-12, a form's return to #comments) opens the
// section that holds it; printing opens them all.
(function () {
  var folds = document.querySelectorAll("details.fold");
  if (!folds.length) { return; }
  function openTarget(hash) {
    if (!hash || hash.length < 2) { return; }
    var target = document.getElementById(decodeURIComponent(hash.slice(1)));
    var fold = target && (target.matches("section.fold") ? target.querySelector("details.fold") : target.closest("details.fold"));
    if (fold && !fold.open) {
      fold.open = true;
      target.scrollIntoView();
    }
  }
  var printing = document.body.classList.contains("page-print");
  if (!printing && window.matchMedia && window.matchMedia("(max-width: 720px)").matches) {
    folds.forEach(function (d) { d.open = false; });
  }
  openTarget(window.location.hash);
  window.addEventListener("hashchange", function () { openTarget(window.location.hash); });
  document.addEventListener("click", function (e) {
    var a = e.target.closest("a[href^='#']");
    if (a) { openTarget(a.getAttribute("href")); }
  });
  window.addEventListener("beforeprint", function () { folds.forEach(function (d) { d.open = true; }); });
})();
