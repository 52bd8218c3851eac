// The few behaviours htmx does not cover: the phone menu and confirmation of destructive buttons.
document.addEventListener("click", function (event) {
  var toggle = event.target.closest(".nav-toggle");
  if (toggle) {
    var nav = document.getElementById(toggle.getAttribute("aria-controls"));
    var open = nav.classList.toggle("open");
    toggle.setAttribute("aria-expanded", open ? "true" : "false");
  }
});
document.addEventListener("submit", function (event) {
  var message = event.target.getAttribute("data-confirm");
  if (message && !window.confirm(message)) {
    event.preventDefault();
  }
});
