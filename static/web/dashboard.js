// 驾驶舱 charts from the figures the page embeds (json_script); ECharts is served by this site.
(function () {
  var data = JSON.parse(document.getElementById("dashboard-data").textContent);
  var charts = [];
  var font = { fontFamily: getComputedStyle(document.body).fontFamily };
  var colors = { red: "#d93025", yellow: "#f2a900", green: "#188038" };
  function make(id, option) {
    var el = document.getElementById(id);
    if (!el || !window.echarts) { return; }
    var chart = echarts.init(el, null, { renderer: "svg" });
    option.textStyle = font;
    option.animation = false;
    chart.setOption(option);
    charts.push(chart);
    // The legend is a list above the chart (charts.js), never drawn over the axes; ECharts keeps a
    // hidden one for the toggle.
    if (option.legend && window.chartLegend) {
      window.chartLegend(chart, el, option.series.map(function (s) {
        return { name: s.name, color: s.itemStyle.color, type: s.type };
      }));
    }
  }
  make("chart-months", {
    tooltip: { trigger: "axis" },
    legend: { show: false, data: ["月度计划", "月度完成", "累计计划", "累计完成"] },
    grid: { left: 8, right: 16, top: 30, bottom: 8, containLabel: true },
    xAxis: { type: "category", data: data.months },
    yAxis: { type: "value", name: "万元" },
    series: [
      { name: "月度计划", type: "bar", data: data.plan, itemStyle: { color: "#9db8e8" } },
      { name: "月度完成", type: "bar", data: data.completed, itemStyle: { color: "#1a56db" } },
      { name: "累计计划", type: "line", data: data.plan_cumulative, lineStyle: { type: "dashed" }, itemStyle: { color: "#6b7280" } },
      { name: "累计完成", type: "line", data: data.completed_cumulative, itemStyle: { color: "#188038" } }
    ]
  });
  make("chart-lights", {
    tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
    legend: { show: false, data: ["红灯", "黄灯", "绿灯"] },
    grid: { left: 8, right: 16, top: 30, bottom: 8, containLabel: true },
    xAxis: { type: "category", data: data.categories },
    yAxis: { type: "value", name: "个", minInterval: 1 },
    series: [
      { name: "红灯", type: "bar", stack: "l", data: data.lights.red, itemStyle: { color: colors.red } },
      { name: "黄灯", type: "bar", stack: "l", data: data.lights.yellow, itemStyle: { color: colors.yellow } },
      { name: "绿灯", type: "bar", stack: "l", data: data.lights.green, itemStyle: { color: colors.green } }
    ]
  });
  make("chart-departments", {
    tooltip: { trigger: "axis", axisPointer: { type: "shadow" }, valueFormatter: function (v) { return v + "%"; } },
    grid: { left: 10, right: 40, top: 10, bottom: 20, containLabel: true },
    xAxis: { type: "value", max: 100, axisLabel: { formatter: "{value}%" } },
    yAxis: { type: "category", data: data.departments.slice().reverse() },
    series: [
      { name: "按期完成率", type: "bar", data: data.department_rate.slice().reverse(), itemStyle: { color: "#1a56db" },
        label: { show: true, position: "right", formatter: "{c}%" } }
    ]
  });
  window.addEventListener("resize", function () { charts.forEach(function (c) { c.resize(); }); });
})();
