// A little JS the pages share: the phone menu toggle, confirmations and print buttons. No framework,
// no CDN, and no inline handlers (the Content-Security-Policy runs only script files): a control
// says what it does with a data- attribute and this one listener does it.
document.addEventListener("click", function (e) {
  var t = e.target.closest("[data-toggle]");
  if (t) {
    document.getElementById(t.getAttribute("data-toggle")).classList.toggle("open");
  }
  var c = e.target.closest("[data-confirm]");
  if (c && !window.confirm(c.getAttribute("data-confirm"))) {
    e.preventDefault();
  }
  if (e.target.closest("[data-print]")) {
    window.print();
  }
});
