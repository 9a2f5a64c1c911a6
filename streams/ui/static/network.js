// The network page: /api/network?report=FIU:ID drawn with cytoscape.js (served from /static/vendor).
(function () {
  const box = document.getElementById("graph");
  const status = document.getElementById("net-status");
  const palette = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#17becf", "#bcbd22", "#7f7f7f"];
  const kindColour = { wallet: "#444", transaction: "#8c564b", document: "#d62728", account: "#2ca02c", lei: "#9467bd",
    email: "#17becf", phone: "#bcbd22", name_dob: "#e377c2", person: "#e377c2", organization: "#ff7f0e" };
  fetch("/api/network?report=" + encodeURIComponent(box.dataset.report), { credentials: "same-origin" })
    .then((r) => r.json().then((body) => ({ ok: r.ok, body })))
    .then(({ ok, body }) => {
      if (!ok) { status.textContent = body.error || "cannot load the network"; status.className = "error"; return; }
      const fius = [...new Set(body.nodes.map((n) => n.fiu))].sort();
      const colour = Object.fromEntries(fius.map((f, i) => [f, palette[i % palette.length]]));
      document.getElementById("legend").innerHTML = fius.map((f) =>
        `<span class="swatch" style="background:${colour[f]}"></span>${f}`).join(" ");
      const elements = [
        ...body.nodes.map((n) => ({ data: { id: n.id, label: n.id, fiu: n.fiu, colour: colour[n.fiu], own: n.own ? 1 : 0, start: n.start ? 1 : 0 } })),
        ...body.links.map((l, i) => ({ data: { id: "e" + i, source: l.source, target: l.target, kind: l.match_kind,
          confidence: l.confidence == null ? 1 : l.confidence, colour: kindColour[l.match_kind] || "#999", match: l.match_id,
          label: l.match_kind + (l.confidence != null && l.confidence < 1 ? " " + l.confidence.toFixed(2) : "") } })),
      ];
      const cy = cytoscape({
        container: box, elements,
        style: [
          { selector: "node", style: { "background-color": "data(colour)", label: "data(label)", "font-size": 9, "text-valign": "bottom" } },
          { selector: "node[own = 1]", style: { "border-width": 3, "border-color": "#000" } },
          { selector: "node[start = 1]", style: { width: 40, height: 40 } },
          { selector: "edge", style: { "line-color": "data(colour)", width: "mapData(confidence, 0, 1, 1, 5)", label: "data(label)",
            "font-size": 8, "curve-style": "bezier" } },
          { selector: "edge[confidence < 1]", style: { "line-style": "dashed" } },
        ],
        layout: { name: elements.length > 200 ? "grid" : "cose", animate: false },
      });
      cy.on("tap", "edge", (e) => { window.location = "/match/" + encodeURIComponent(e.target.data("match")); });
      cy.on("tap", "node", (e) => { window.location = "/network?report=" + encodeURIComponent(e.target.id()); });
      window.fiulinkGraph = cy;
      status.textContent = `${body.nodes.length} reports, ${body.links.length} links` + (body.cut ? " (cut at the nearest reports)" : "");
      status.dataset.nodes = String(cy.nodes().length);
    });
})();
