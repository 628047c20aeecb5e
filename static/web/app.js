// A little JS the pages share: the phone menu toggle and confirmations. No framework, no CDN.
document.addEventListener("click", function (e) {
  var t = e.target.closest("[data-toggle]");
  if (t) {
    document.getElementById(t.getAttribute("data-toggle")).classList.toggle("open");
  }
  var c = e.target.closest("[data-confirm]");
  if (c && !window.confirm(c.getAttribute("data-confirm"))) {
    e.preventDefault();
  }
});
