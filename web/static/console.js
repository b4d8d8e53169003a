// Deadline countdowns on the incident desk: each .countdown[data-due] ticks every second and turns
// amber once past data-near, red once past data-due. No inline script (the CSP forbids it).
// Time is the server's: a phone whose clock is off still counts down right.
(function () {
  "use strict";
  var skew = 0;
  function pad(n) { return n < 10 ? "0" + n : String(n); }
  function span(seconds) {
    var s = Math.abs(Math.round(seconds));
    var h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60);
    return (h ? h + " 小时 " : "") + pad(m) + " 分 " + pad(s % 60) + " 秒";
  }
  function tick() {
    var now = Date.now() + skew;
    document.querySelectorAll(".countdown[data-due]").forEach(function (el) {
      var due = Date.parse(el.dataset.due), near = Date.parse(el.dataset.near);
      var item = el.closest(".deadline");
      var state = now >= due ? "missed" : (now >= near ? "near" : "pending");
      el.textContent = state === "missed" ? "已超时 " + span((now - due) / 1000) : "剩余 " + span((due - now) / 1000);
      if (item) {
        item.classList.remove("state-pending", "state-near", "state-missed");
        item.classList.add("state-" + state);
      }
    });
  }
  document.addEventListener("DOMContentLoaded", function () {
    var server = Date.parse(document.body.dataset.serverNow || "");
    if (!isNaN(server)) { skew = server - Date.now(); }
    tick();
    setInterval(tick, 1000);
  });
  document.addEventListener("htmx:afterSwap", tick);
})();
