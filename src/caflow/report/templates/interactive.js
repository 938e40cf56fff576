/* caflow report --interactive: draw each chart from its inlined Vega-Lite spec with vega-embed
   (no action menu: it would offer to open the Vega editor online; SVG renderer: prints and
   scales like the static chart), then remove the static SVG it replaces. */
(function () {
  "use strict";
  var specs = JSON.parse(document.getElementById("caflow-chart-specs").textContent);
  Object.keys(specs).forEach(function (name) {
    var figure = document.querySelector('figure[aria-labelledby="' + name + '-caption"]');
    if (!figure) { return; }
    var fallback = figure.querySelector(":scope > svg");
    var target = document.createElement("div");
    target.className = "vega-chart";
    figure.insertBefore(target, fallback);
    vegaEmbed(target, specs[name], { actions: false, renderer: "svg" }).then(function () {
      var drawn = target.querySelector("svg");
      if (drawn && fallback) {  /* keep the static chart's accessible name (role, label, title) */
        drawn.setAttribute("role", "img");
        drawn.setAttribute("aria-label", fallback.getAttribute("aria-label") || name);
      }
      if (fallback) { fallback.remove(); }
      figure.setAttribute("data-drawn", "vega");
    }).catch(function (err) {
      target.remove();
      figure.setAttribute("data-drawn", "static");
      console.warn("caflow: chart " + name + " kept as drawn by caflow: " + err);
    });
  });
})();
