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

// "将记录": an element with data-mirror="<input id>" shows what that input will record (a file
// input: the chosen file's name), so the user confirms what they see, not what they remember.
document.querySelectorAll("[data-mirror]").forEach(function (out) {
  var input = document.getElementById(out.getAttribute("data-mirror"));
  if (!input) {
    return;
  }
  var show = function () {
    var value = input.type === "file" ? Array.prototype.map.call(input.files, function (f) { return f.name; }).join("、") : input.value.trim();
    out.textContent = value || out.getAttribute("data-empty") || "";
  };
  input.addEventListener("input", show);
  input.addEventListener("change", show);
});

// A success message after a jump to an anchor (#milestone-12) would sit at the top of the page,
// off-screen: show it pinned to the bottom of the screen instead, until closed.
(function () {
  var box = document.querySelector(".messages");
  if (!box || !window.location.hash || !document.getElementById(window.location.hash.slice(1))) {
    return;
  }
  box.classList.add("toast");
  var close = document.createElement("button");
  close.type = "button";
  close.className = "toast-close";
  close.setAttribute("aria-label", "关闭提示");
  close.textContent = "×";
  close.addEventListener("click", function () {
    box.classList.remove("toast");
    box.remove();
  });
  box.lastElementChild.appendChild(close); // inside a <li>: a list holds only items
})();
