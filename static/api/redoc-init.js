// Starts Redoc on /api/redoc/ with the schema URL and settings the page carries in data- attributes
// (the Content-Security-Policy runs script files only, no inline <script>).
(function () {
  var el = document.getElementById("redoc-container");
  if (!el || !window.Redoc) { return; }
  Redoc.init(el.getAttribute("data-spec-url"), JSON.parse(el.getAttribute("data-settings")), el);
})();
