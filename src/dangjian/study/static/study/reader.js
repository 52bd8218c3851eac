// The online reader: saves the member's place with a small POST (no library, no CDN).
// Text: the page shown is saved when it opens. Video: the current time every 15 seconds of
// playing, on pause and at the end; the video starts where the member stopped.
(function () {
  "use strict";
  var root = document.getElementById("reader");
  if (!root || !root.dataset.save) return;
  var status = document.getElementById("rd-status");

  function save(position) {
    var body = new FormData();
    body.append("position", String(position));
    return fetch(root.dataset.save, {
      method: "POST",
      body: body,
      credentials: "same-origin",
      headers: { "X-CSRFToken": root.dataset.csrf, "Accept": "application/json" }
    }).then(function (r) { return r.ok ? r.json() : null; }).then(function (d) {
      if (d && status) status.textContent = d.finished ? "已读完" : "已读 " + d.percent + "%";
    }).catch(function () { /* offline: the next save catches up */ });
  }

  if (root.dataset.reader === "text") {
    save(root.dataset.position);
    return;
  }
  var video = document.getElementById("rd-video");
  if (!video) return;
  var last = -1;
  var start = parseInt(video.dataset.start || "0", 10);
  video.addEventListener("loadedmetadata", function () {
    if (start > 0 && start < video.duration - 2) video.currentTime = start;
  });
  function report() {
    var t = Math.floor(video.currentTime);
    if (t !== last) { last = t; save(t); }
  }
  setInterval(function () { if (!video.paused && !video.ended) report(); }, 15000);
  video.addEventListener("pause", report);
  video.addEventListener("ended", function () { last = -1; report(); });
})();
