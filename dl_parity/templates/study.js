// Scroll spy: the sidebar marks (aria-current) the part of the page being read, and
// keeps that link in view inside the sidebar. Works from disk; fetches nothing.
(function () {
  var nav = document.getElementById("contents");
  if (!nav) return;
  var links = {};
  Array.prototype.forEach.call(nav.querySelectorAll('a[href^="#"]'), function (a) {
    var id = decodeURIComponent(a.getAttribute("href").slice(1));
    if (id && id !== "top") links[id] = a;
  });
  var targets = Object.keys(links).map(function (id) { return document.getElementById(id); })
    .filter(Boolean)
    .sort(function (a, b) {
      return a.compareDocumentPosition(b) & Node.DOCUMENT_POSITION_FOLLOWING ? -1 : 1;
    });
  var current = null, pending = false;
  function update() {
    pending = false;
    var line = Math.min(120, window.innerHeight / 3), found = null;
    for (var i = 0; i < targets.length; i++) {
      if (targets[i].getBoundingClientRect().top <= line) found = targets[i].id; else break;
    }
    if (found === current) return;
    if (current && links[current]) links[current].removeAttribute("aria-current");
    current = found;
    if (!found) return;
    var a = links[found];
    a.setAttribute("aria-current", "location");
    if (getComputedStyle(nav).position !== "sticky") return;   // a phone: the list is below
    var r = a.getBoundingClientRect(), n = nav.getBoundingClientRect();
    if (r.top < n.top + 30 || r.bottom > n.bottom - 30) {
      nav.scrollTop += r.top - n.top - nav.clientHeight / 3;
    }
  }
  function later() { if (!pending) { pending = true; requestAnimationFrame(update); } }
  window.addEventListener("scroll", later, { passive: true });
  window.addEventListener("resize", later);
  update();
})();
