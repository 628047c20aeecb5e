// Chart legends as page elements above the chart, never drawn inside it: ECharts places its own
// legend by fixed offsets, and where the legend wrapped (a phone's width, long names) it ran over
// the axis names and labels. Here the legend is a list the page lays out, so it wraps in its own
// space; a click on an entry shows or hides its series, as ECharts' legend did. The chart keeps a
// hidden legend component, which the toggle action needs.
window.chartLegend = function (chart, el, entries) {
  var list = document.createElement("ul");
  list.className = "chart-legend";
  list.setAttribute("aria-label", "图例（点击显示或隐藏）");
  entries.forEach(function (entry) {
    var item = document.createElement("li");
    item.setAttribute("role", "button");
    item.setAttribute("tabindex", "0");
    item.setAttribute("aria-pressed", "true");
    var mark = document.createElement("span");
    mark.className = "legend-mark legend-" + (entry.type || "bar");
    mark.style.backgroundColor = entry.color;  // script-set style: the CSP governs markup, not the CSSOM
    item.appendChild(mark);
    item.appendChild(document.createTextNode(entry.name));
    function toggle() {
      chart.dispatchAction({ type: "legendToggleSelect", name: entry.name });
      var on = item.getAttribute("aria-pressed") !== "true";
      item.setAttribute("aria-pressed", on ? "true" : "false");
    }
    item.addEventListener("click", toggle);
    item.addEventListener("keydown", function (e) {
      if (e.key === "Enter" || e.key === " ") { e.preventDefault(); toggle(); }
    });
    list.appendChild(item);
  });
  el.parentNode.insertBefore(list, el);
  return list;
};
