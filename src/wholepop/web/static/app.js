// wholepop's few lines of script (no library, no network beyond this server).
// 1. A form with data-live posts itself as its fields change and swaps the answer into
//    its target (What if). 2. A form with data-check posts itself as you type and puts
//    each error beside the field it names (Contract). 3. A job page polls its progress.
// Every page works without it: the forms also submit normally.
(function () {
  "use strict";
  function debounce(fn, ms) { var t; return function () { clearTimeout(t); t = setTimeout(fn, ms); }; }
  var seq = 0;

  function showErrors(form, errors) {
    form.querySelectorAll(".err[data-for]").forEach(function (el) {
      var lines = errors[el.dataset.for] || [];
      el.textContent = lines.join("\n");
      var box = el.closest(".field, .slider, td");
      if (box) box.classList.toggle("invalid", lines.length > 0);
    });
    var general = document.getElementById("errors-general");
    if (general) general.hidden = !(errors[""] || []).length;
  }

  document.querySelectorAll("form[data-live]").forEach(function (form) {
    var target = document.querySelector(form.dataset.live);
    function send(runs) {
      var data = new FormData(form), mine = ++seq;
      if (runs) data.set("runs", runs);
      target.classList.add("busy");
      fetch(form.action, { method: "POST", body: data, headers: { "X-Wholepop-Fragment": "1" } })
        .then(function (r) { return r.text(); })
        .then(function (html) {
          if (mine !== seq) return;  // a later change is on its way
          target.innerHTML = html;
          target.classList.remove("busy");
          var box = target.querySelector("[data-errors]");
          showErrors(form, box ? JSON.parse(box.dataset.errors) : {});
          target.dispatchEvent(new CustomEvent("wholepop:redrawn", { bubbles: true }));
        });
    }
    var later = debounce(function () { send(); }, 120);
    form.addEventListener("input", function (e) {
      var mirror = e.target.dataset.mirror;
      if (mirror) document.getElementById(mirror).value = e.target.value;
      var slider = form.querySelector('input[type=range][data-mirror="' + e.target.name + '"]');
      if (slider && e.target.value.trim() !== "") slider.value = e.target.value;
      later();
    });
    form.addEventListener("change", later);
    form.addEventListener("submit", function (e) {
      e.preventDefault();
      send(e.submitter && e.submitter.name === "runs" ? e.submitter.value : null);
    });
  });

  document.querySelectorAll("form[data-check]").forEach(function (form) {
    var check = debounce(function () {
      fetch(form.dataset.check, { method: "POST", body: new FormData(form) })
        .then(function (r) { return r.json(); })
        .then(function (doc) {
          showErrors(form, doc.errors);
          form.querySelectorAll(".warn[data-warn-for]").forEach(function (el) {
            var lines = (doc.warnings || {})[el.dataset.warnFor] || [];
            el.textContent = lines.map(function (l) { return "warning: " + l; }).join("\n");
          });
        });
    }, 150);
    form.addEventListener("input", check);
    form.addEventListener("change", check);
  });

  var job = document.getElementById("job");
  if (job) {
    var poll = function () {
      fetch("/jobs/" + job.dataset.job + ".json").then(function (r) { return r.json(); }).then(function (j) {
        var bar = document.getElementById("bar");
        if (j.total) { bar.max = j.total; bar.value = j.done; }
        document.getElementById("step").textContent = j.step + " (" + j.seconds + " s)";
        document.getElementById("log").textContent = j.log.join("\n");
        if (j.state === "done") { window.location = window.location.pathname + window.location.search; return; }
        if (j.state === "failed") {
          var p = document.getElementById("error") || job.appendChild(document.createElement("p"));
          p.id = "error"; p.className = "errorbox"; p.textContent = "error: " + j.error; return;
        }
        setTimeout(poll, 400);
      });
    };
    setTimeout(poll, 300);
  }
})();
