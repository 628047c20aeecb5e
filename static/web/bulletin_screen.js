// 月度通报 on a phone: each table row becomes a card whose cells say their column (data-label, read
// by bulletin_screen.css below 720 px). The kept page itself is not changed: the labels are added
// when it is shown, so pages issued before this layout read the same way.
(function () {
  var tables = document.querySelectorAll(".sheet table");
  Array.prototype.forEach.call(tables, function (table) {
    var head = table.querySelector("thead tr");
    if (!head) { return; }
    var labels = Array.prototype.map.call(head.children, function (th) { return th.textContent.trim(); });
    Array.prototype.forEach.call(table.querySelectorAll("tbody tr"), function (tr) {
      if (tr.classList.contains("group")) { return; }
      Array.prototype.forEach.call(tr.children, function (td, i) {
        if (labels[i]) { td.setAttribute("data-label", labels[i]); }
      });
    });
    table.classList.add("cards");
  });
})();
