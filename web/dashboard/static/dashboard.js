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

// Shows an amount as the page writes it while it is typed ("144万" -> "即 144.00万元"),
// read by the server's one reader of amounts; without script the page shows it on return.
document.addEventListener("DOMContentLoaded", function () {
  document.querySelectorAll("input[data-amount]").forEach(function (input) {
    var output = document.getElementById(input.dataset.amount);
    if (!output) return;
    var timer = null, asked = 0;
    function show() {
      var text = input.value.trim();
      if (!text) { output.textContent = ""; output.classList.remove("bad"); return; }
      var mine = ++asked;
      fetch("/amount?text=" + encodeURIComponent(text), {credentials: "same-origin"})
        .then(function (answer) { return answer.ok ? answer.json() : null; })
        .then(function (read) {
          if (!read || mine !== asked) return;
          output.textContent = read.ok ? read.shown : read.error;
          output.classList.toggle("bad", !read.ok);
        })
        .catch(function () {});
    }
    input.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(show, 250);
    });
  });
});

// The enterprise picker: names (or codes) as they are typed, from the server's list;
// choosing one puts its credit code in the field. Without script the server reads a
// name typed there, or offers the enterprises it matches.
document.addEventListener("DOMContentLoaded", function () {
  var box = document.querySelector("[data-picker]");
  if (!box) return;
  var input = box.querySelector("input[list]");
  var list = document.getElementById(input.getAttribute("list"));
  var chosen = box.querySelector(".chosen");
  var names = {}, timer = null;
  function fill(found) {
    list.innerHTML = "";
    found.forEach(function (e) {
      var option = document.createElement("option");
      option.value = e.enterprise_id;
      option.textContent = e.name;
      names[e.enterprise_id] = e.name;
      list.appendChild(option);
    });
  }
  function mark() {
    var name = names[input.value.trim().toUpperCase()];
    if (name) { chosen.textContent = name; chosen.hidden = false; }
  }
  input.addEventListener("input", function () {
    clearTimeout(timer);
    mark();
    var text = input.value.trim();
    if (text.length < 1) return;
    timer = setTimeout(function () {
      fetch(box.dataset.picker + "?q=" + encodeURIComponent(text), {credentials: "same-origin"})
        .then(function (answer) { return answer.ok ? answer.json() : []; })
        .then(function (found) { fill(found); mark(); })
        .catch(function () {});
    }, 200);
  });
  input.addEventListener("change", mark);
  box.querySelectorAll("input[data-fills]").forEach(function (radio) {
    radio.addEventListener("change", function () { input.value = radio.value; });
  });
});
