// 导入调度表: poll a running import's status and move its progress bar; reload when it is done.
// No framework, no CDN.
(function () {
  var box = document.getElementById("import-progress");
  if (!box) { return; }
  var url = box.getAttribute("data-status-url");
  var bar = box.querySelector("progress");
  var label = document.getElementById("import-label");
  var count = document.getElementById("import-count");
  var delay = 1000;

  function show(s) {
    bar.value = s.percent;
    label.textContent = s.label + "…";
    count.textContent = s.total ? (s.done + " / " + s.total + " 行（" + s.percent + "%）") : "等待后台处理";
  }

  function poll() {
    fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (s) {
        if (!s) { delay = Math.min(delay * 2, 10000); }
        else if (s.finished) { window.location.reload(); return; }
        else { show(s); delay = 1000; }
        window.setTimeout(poll, delay);
      })
      .catch(function () { delay = Math.min(delay * 2, 10000); window.setTimeout(poll, delay); });
  }
  window.setTimeout(poll, delay);
})();
