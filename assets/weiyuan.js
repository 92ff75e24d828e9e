// Weiyuan page behaviour: confirmations, charts (ECharts) and the park map (Leaflet).
// Data comes from data-* attributes the server renders; nothing is fetched from elsewhere.
(function () {
  "use strict";

  function esc(s) {
    return String(s).replace(/[&<>"']/g, function (c) {
      return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c];
    });
  }

  // Ask before destructive form posts: <form data-confirm="...">.
  document.addEventListener("submit", function (e) {
    var msg = e.target.getAttribute && e.target.getAttribute("data-confirm");
    if (msg && !window.confirm(msg)) { e.preventDefault(); }
  });

  // Plan against actual, one small bar chart per figure: <div class="charts" data-charts="[...]">.
  // On the big screen charts are dark, their text scales with the wall, and they follow its size.
  var screen = document.body.classList.contains("big-screen");
  var theme = screen ? "dark" : null;
  var fontSize = screen ? Math.max(12, Math.round(window.innerWidth / 120)) : 12;
  function chart(el) {
    var c = window.echarts.init(el, theme, { renderer: "svg" });
    if (screen) {
      // A wall shows the figures, it does not animate them every refresh.
      c.setOption({ animation: false });
      window.addEventListener("resize", function () { c.resize(); });
    }
    return c;
  }

  function charts() {
    if (!window.echarts) { return; }
    document.querySelectorAll(".charts[data-charts]").forEach(function (box) {
      JSON.parse(box.getAttribute("data-charts")).forEach(function (c) {
        var el = document.createElement("div");
        el.className = "chart";
        el.setAttribute("data-figure", c.figure);
        box.appendChild(el);
        window.echarts.init(el, null, { renderer: "svg" }).setOption({
          title: { text: c.title, textStyle: { fontSize: 13 } },
          tooltip: { trigger: "axis" },
          legend: { data: c.labels, right: 0 },
          grid: { left: 48, right: 8, top: 36, bottom: 24 },
          xAxis: { type: "category", data: c.years },
          yAxis: { type: "value" },
          series: [
            { name: c.labels[0], type: "bar", data: c.plan, itemStyle: { color: "#98a2b3" } },
            { name: c.labels[1], type: "bar", data: c.actual, itemStyle: { color: "#0b6e4f" } }
          ]
        });
      });
    });
  }

  // Targets: the share of each measurable target reached, as horizontal bars.
  function targetChart() {
    var el = document.querySelector("[data-target-chart]");
    if (!el || !window.echarts) { return; }
    var t = JSON.parse(el.getAttribute("data-target-chart"));
    window.echarts.init(el, null, { renderer: "svg" }).setOption({
      tooltip: { trigger: "axis", valueFormatter: function (v) { return v + "%"; } },
      grid: { left: 220, right: 40, top: 10, bottom: 24 },
      xAxis: { type: "value", max: function (v) { return Math.max(100, Math.ceil(v.max / 10) * 10); }, axisLabel: { formatter: "{value}%" } },
      yAxis: { type: "category", data: t.names, inverse: true },
      series: [{ type: "bar", data: t.percent, itemStyle: { color: "#0b6e4f" }, label: { show: true, position: "right", formatter: "{c}%" },
        markLine: { silent: true, symbol: "none", data: [{ xAxis: 100 }], lineStyle: { color: "#b42318" } } }]
    });
  }

  // The park map: works without any tile server; a tile URL template is used when configured.
  function parkMap() {
    var el = document.getElementById("park-map");
    if (!el || !window.L) { return; }
    var d = JSON.parse(el.getAttribute("data-map"));
    var map = window.L.map(el, { zoomSnap: 0.25 });
    var tiles = el.getAttribute("data-tiles");
    if (tiles) { window.L.tileLayer(tiles, { maxZoom: 18 }).addTo(map); }
    window.L.control.scale({ imperial: false }).addTo(map);
    // The county's outline and its neighbours', drawn under the parks (works with no tile server).
    var outline = el.getAttribute("data-outline");
    if (outline && window.fetch) {
      window.fetch(outline).then(function (r) { return r.ok ? r.json() : null; }).then(function (geo) {
        if (!geo) { return; }
        var line = screen ? "#7fdbff" : "#0b6e4f";
        window.L.geoJSON(geo, {
          interactive: false,
          style: function (f) {
            return f.properties.county
              ? { color: line, weight: 2.5, fillColor: screen ? "#12324f" : "#e7f3ec", fillOpacity: 0.6, className: "county-outline" }
              : { color: screen ? "#3d5a80" : "#98a2b3", weight: 1, dashArray: "4 4", fillColor: screen ? "#0d2238" : "#f2f4f7",
                fillOpacity: 0.5, className: "neighbour-outline" };
          }
        }).addTo(map).bringToBack();
        if (!d.parks.length) { map.fitBounds(window.L.geoJSON(geo.features.filter(function (f) { return f.properties.county; })).getBounds()); }
      });
    }
    var colors = d.colors || { completed: "#12b76a", under_construction: "#f79009", "new": "#2e90fa", planned: "#98a2b3" };
    var layer = window.L.featureGroup().addTo(map);
    // Township names sit above their parks, clear of the dots.
    d.townships.forEach(function (t) {
      window.L.marker([t.lat, t.lon], {
        icon: window.L.divIcon({ className: "township-label", html: "<span>" + esc(t.name) + "</span>", iconSize: null }),
        interactive: false
      }).addTo(map);
    });
    var filter = { status: "", township: "" };
    function draw() {
      layer.clearLayers();
      d.parks.forEach(function (p) {
        if (filter.status && p.status !== filter.status) { return; }
        if (filter.township && p.township_code !== filter.township) { return; }
        // A park behind its plan wears a red ring, and says so on hover.
        window.L.circleMarker([p.lat, p.lon], {
          radius: Math.round(9 * fontSize / 12), color: p.lagging ? "#d92d20" : "#fff", weight: p.lagging ? 4 : 2,
          fillColor: colors[p.status] || "#667085", fillOpacity: 0.9,
          className: "park-marker park-" + p.status + (p.lagging ? " park-lagging" : "")
        })
          .bindTooltip(esc(p.name) + "<br>" + esc(p.status_label) + (p.lagging ? " · " + esc(d.labels.lagging) : "") +
            (p.tip ? " · " + esc(p.tip) : " · " + esc(d.labels.land) + " " + esc(p.land) + " · " +
            esc(d.labels.enterprises) + " " + esc(p.enterprises)))
          .on("click", function () { window.location.href = p.href || "/parks/" + p.id; })
          .addTo(layer);
      });
    }
    draw();
    if (d.parks.length) { map.fitBounds(layer.getBounds().pad(0.15)); } else { map.setView([27.62, 120.5], 11); }
    var legend = window.L.control({ position: "bottomright" });
    legend.onAdd = function () {
      var div = window.L.DomUtil.create("div", "map-legend");
      div.innerHTML = d.legend.map(function (l) {
        return '<span><i style="background:' + (colors[l.status] || "#667085") + '"></i>' + esc(l.label) + "</span>";
      }).join("") + (d.labels && d.labels.lagging && d.parks.some(function (p) { return p.lagging; }) ?
        '<span><i class="ring"></i>' + esc(d.labels.lagging) + "</span>" : "");
      return div;
    };
    legend.addTo(map);
    // A filter select: options from the data; a change redraws.
    function filterSelect(id, items, value, label, key) {
      var select = document.getElementById(id);
      if (!select) { return; }
      items.forEach(function (item) {
        var o = document.createElement("option");
        o.value = item[value];
        o.textContent = item[label];
        select.appendChild(o);
      });
      select.addEventListener("change", function () { filter[key] = select.value; draw(); });
    }
    filterSelect("map-status", d.legend, "status", "label", "status");
    filterSelect("map-township", d.townships, "code", "name", "township");
  }

  // A monthly trend: bars and lines over months, a second axis for lines: <div data-trend="{x, series, units}">.

  function trendCharts() {
    if (!window.echarts) { return; }
    document.querySelectorAll("[data-trend]").forEach(function (el) {
      var t = JSON.parse(el.getAttribute("data-trend"));
      chart(el).setOption({
        backgroundColor: "transparent",
        textStyle: { fontSize: fontSize },
        tooltip: { trigger: "axis" },
        legend: { data: t.series.map(function (s) { return s.name; }), textStyle: { fontSize: fontSize } },
        grid: { left: 8, right: 8, top: fontSize * 4, bottom: 8, containLabel: true },
        xAxis: { type: "category", data: t.x, axisLabel: { fontSize: fontSize } },
        // Both axes split into the same number of ticks, so that their gridlines are one set.
        yAxis: [{ type: "value", name: t.units[0], axisLabel: { fontSize: fontSize } },
          { type: "value", name: t.units[1], alignTicks: true, axisLabel: { fontSize: fontSize } }],
        series: t.series.map(function (s) {
          return { name: s.name, type: s.type, data: s.data, yAxisIndex: s.yAxisIndex || 0 };
        })
      });
    });
  }

  // A park's live page: each figure by hour, today (solid) against yesterday (dashed), and the
  // limit as a red line where the figure has one.
  function curveCharts() {
    if (!window.echarts) { return; }
    document.querySelectorAll("[data-curves]").forEach(function (box) {
      JSON.parse(box.getAttribute("data-curves")).forEach(function (c) {
        var el = document.createElement("div");
        el.className = "chart curve";
        el.setAttribute("data-metric", c.metric);
        box.appendChild(el);
        var series = c.series.map(function (s, i) {
          var line = { name: s.name, type: "line", data: s.data, connectNulls: false, symbolSize: 5,
            lineStyle: s.dashed ? { type: "dashed", color: "#98a2b3" } : { color: "#0b6e4f", width: 2 },
            itemStyle: { color: s.dashed ? "#98a2b3" : "#0b6e4f" } };
          if (i === 0 && c.limit !== null && c.limit !== undefined) {
            line.markLine = { symbol: "none", lineStyle: { color: "#c0392b" }, label: { position: "insideEndTop", formatter: c.limit_label + " " + c.limit },
              data: [{ yAxis: c.limit }] };
          }
          return line;
        });
        window.echarts.init(el, null, { renderer: "svg" }).setOption({
          animation: false,
          title: { text: c.title, textStyle: { fontSize: 13 } },
          tooltip: { trigger: "axis" },
          legend: { data: c.series.map(function (s) { return s.name; }), right: 0 },
          grid: { left: 48, right: 16, top: 36, bottom: 24 },
          xAxis: { type: "category", data: c.x },
          yAxis: { type: "value", max: c.limit ? function (v) { return Math.ceil(Math.max(v.max, c.limit) * 1.2); } : null },
          series: series
        });
      });
    });
  }

  // The big screen: a ranking against a target line, and a share of industries.
  // Long park names are cut with an ellipsis at a third of the chart and shown whole on hover.
  function screenCharts() {
    if (!window.echarts) { return; }
    document.querySelectorAll("[data-ranking]").forEach(function (el) {
      var r = JSON.parse(el.getAttribute("data-ranking"));
      chart(el).setOption({
        backgroundColor: "transparent",
        textStyle: { fontSize: fontSize },
        tooltip: { trigger: "axis" },
        grid: { left: 8, right: fontSize * 3, top: 8, bottom: 8, containLabel: true },
        xAxis: { type: "value", axisLabel: { fontSize: fontSize } },
        yAxis: { type: "category", data: r.names, inverse: true,
          axisLabel: { fontSize: fontSize, width: Math.round(el.clientWidth / 3), overflow: "truncate" } },
        series: [{ type: "bar", data: r.values, itemStyle: { color: "#ffd166" },
          label: { show: true, position: "right", fontSize: fontSize, color: "inherit" },
          markLine: { silent: true, symbol: "none", data: [{ xAxis: r.target }], lineStyle: { color: "#ef476f" },
            label: { fontSize: fontSize } } }]
      });
    });
    document.querySelectorAll("[data-pie]").forEach(function (el) {
      var data = JSON.parse(el.getAttribute("data-pie"));
      var total = data.reduce(function (s, x) { return s + x.value; }, 0);
      chart(el).setOption({
        backgroundColor: "transparent",
        tooltip: { trigger: "item", formatter: "{b}<br>{c}（{d}%）" },
        // Names and shares in a legend beside the ring, never cut by the panel's edge.
        legend: { type: "scroll", orient: "vertical", right: 0, top: "middle", textStyle: { fontSize: fontSize },
          formatter: function (name) {
            var v = data.filter(function (x) { return x.name === name; })[0];
            var pct = total ? " " + (v.value * 100 / total).toFixed(1) + "%" : "";
            return (name.length > 14 ? name.slice(0, 13) + "…" : name) + pct;
          } },
        series: [{ type: "pie", radius: ["34%", "60%"], center: ["24%", "50%"], data: data, label: { show: false } }]
      });
    });
  }

  // Deal forms act on the units ticked in the holdings table: their ids go into unit_ids.
  function dealForms() {
    document.querySelectorAll("form[data-units]").forEach(function (form) {
      form.addEventListener("submit", function () {
        var ids = [];
        document.querySelectorAll("input.unit-pick:checked").forEach(function (box) { ids.push(box.value); });
        var field = form.querySelector("input[name=unit_ids]");
        if (field && ids.length) { field.value = ids.join(","); }
      });
    });
  }

  // Once: now if the page is parsed (this script is deferred), else when it is.
  function init() { charts(); targetChart(); parkMap(); dealForms(); trendCharts(); curveCharts(); screenCharts(); }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", init); } else { init(); }
})();
