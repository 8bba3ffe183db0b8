// Marks the basis figures the chosen clause needs (the form works without it).
document.addEventListener("DOMContentLoaded", function () {
  var clause = document.querySelector("select[data-needs-target]");
  if (!clause) return;
  var box = document.getElementById(clause.dataset.needsTarget);
  function mark() {
    var chosen = clause.options[clause.selectedIndex];
    var needs = (chosen && chosen.dataset.needs ? chosen.dataset.needs : "").split(" ");
    box.querySelectorAll("input").forEach(function (input) {
      var name = input.name.replace("basis.", "");
      input.closest(".field").classList.toggle("needed", needs.indexOf(name) >= 0);
    });
  }
  clause.addEventListener("change", mark);
  mark();
});
