// The newsgraph SPARQL workbench: the page of `newsgraph serve` at /.
// Plain JavaScript over one global from vendor.js (CodeMirror 6, built by vendor/workbench).
// Every request goes back to this server: /query (SPARQL), /workbench/*.json and /view.
// Text from the data reaches the page through textContent and SVG <title>, never as HTML.
"use strict";
(function () {
  const WB = (window.WB = { ready: false, rows: [], vars: [], entities: new Map(), places: new Map(), view: "table", runs: 0 });
  const $ = (id) => document.getElementById(id);
  const el = (tag, attrs, ...kids) => {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (k === "class") e.className = v;
      else if (k === "text") e.textContent = v;
      else e.setAttribute(k, v);
    }
    for (const kid of kids) e.append(kid);
    return e;
  };
  const SVGNS = "http://www.w3.org/2000/svg";
  const svg = (tag, attrs, title) => {
    const e = document.createElementNS(SVGNS, tag);
    for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, v);
    if (title) { const t = document.createElementNS(SVGNS, "title"); t.textContent = title; e.append(t); }
    return e;
  };
  const XSD = "http://www.w3.org/2001/XMLSchema#";
  const DATE_TYPES = new Set([XSD + "date", XSD + "dateTime", XSD + "gYearMonth", XSD + "gYear", XSD + "dateTimeStamp"]);
  const NUM_TYPES = new Set(["integer", "decimal", "double", "float", "int", "long", "short", "nonNegativeInteger",
    "positiveInteger", "negativeInteger", "nonPositiveInteger", "unsignedInt", "unsignedLong"].map((t) => XSD + t));
  const KIND_OF_CLASS = {
    "https://schema.org/NewsArticle": "article",
    "https://w3id.org/newsgraph/vocab#Story": "story",
    "https://schema.org/NewsMediaOrganization": "outlet",
    "http://www.w3.org/2004/02/skos/core#Concept": "topic",
    "https://schema.org/Place": "place",
    "https://schema.org/Person": "person",
    "https://schema.org/Organization": "organization",
  };
  // plain strings that are dates as written (the library's days and months): 2020-05-06, 2020-05, 2020-05-06T10:00Z
  const ISO_DATE = /^\d{4}-\d\d(-\d\d([T ]\d\d:\d\d(:\d\d(\.\d+)?)?(Z|[+-]\d\d:?\d\d)?)?)?$/;
  // Columns of names (plain strings) the explorer can filter by, by the column's name.
  const NAME_COLUMNS = { outlet: "provider", other: "provider", provider: "provider", publisher: "provider", firstOutlet: "provider",
    topic: "topic", tag: "topic", place: "topic" };
  const MAX_ROWS_SHOWN = 1000, MAX_LOOKUPS = 400;
  const COLOURS = ["#1f6feb", "#d1242f", "#1a7f37", "#9a6700", "#8250df", "#bf3989", "#0a7d94", "#6e7781", "#fb8500", "#3d5a80"];
  let library = {}, prefixes = {}, terms = null, termsPromise = null, editor = null, world = null;
  let result = null; // {vars, rows, json}
  const status = (text, error) => { $("wb-status").textContent = text; $("wb-status").classList.toggle("error", !!error); };

  // ------------------------------------------------------------------ names
  function prefixed(iri) {
    let best = null;
    for (const [p, ns] of Object.entries(prefixes)) {
      if (iri.startsWith(ns) && (!best || ns.length > best[1].length)) best = [p, ns];
    }
    if (best) {
      const local = iri.slice(best[1].length);
      if (/^[A-Za-z0-9_][\w.-]*$/.test(local) && !local.endsWith(".")) return best[0] + ":" + local;
    }
    return null;
  }
  const prefixBlock = () => Object.entries(prefixes).map(([p, ns]) => `PREFIX ${p}: <${ns}>`).join("\n");
  // A library query with every newsgraph prefix declared on top (its own declarations replaced).
  function exampleText(name) {
    const text = library[name].text;
    const lines = text.split("\n");
    const comments = [], body = [];
    let head = true;
    for (const line of lines) {
      if (head && line.startsWith("#")) { comments.push(line); continue; }
      head = false;
      if (/^\s*PREFIX\s/i.test(line)) continue;
      body.push(line);
    }
    while (body.length && !body[0].trim()) body.shift();
    return comments.join("\n") + (comments.length ? "\n" : "") + prefixBlock() + "\n\n" + body.join("\n").trimEnd() + "\n";
  }

  // ------------------------------------------------------------------ the editor
  function completions(context) {
    const word = context.matchBefore(/[A-Za-z_][\w-]*:[\w.-]*|<[^<>"\s]*|[A-Za-z]+/);
    if (!word || (word.from === word.to && !context.explicit)) return null;
    const text = word.text;
    return loadTerms().then((t) => {
      const options = [];
      if (text.startsWith("<")) {
        for (const [iri, type] of t) options.push({ label: "<" + iri + ">", type, detail: type === "class" ? "class" : "property" });
      } else if (text.includes(":")) {
        for (const [iri, type] of t) {
          const name = prefixed(iri);
          if (name) options.push({ label: name, type, detail: (type === "class" ? "class" : "property") + " · " + iri });
        }
        for (const p of Object.keys(prefixes)) options.push({ label: p + ":", type: "namespace", detail: prefixes[p] });
      } else {
        for (const k of ["SELECT", "WHERE", "OPTIONAL", "FILTER", "GROUP BY", "ORDER BY", "LIMIT", "OFFSET", "DISTINCT",
          "COUNT", "VALUES", "BIND", "UNION", "MINUS", "ASK", "CONSTRUCT", "DESCRIBE", "PREFIX", "DESC", "ASC",
          "HAVING", "SAMPLE", "GROUP_CONCAT", "STR", "LANG", "CONTAINS", "REGEX", "YEAR", "MONTH", "NOT EXISTS"]) {
          options.push({ label: k, type: "keyword" });
        }
        for (const p of Object.keys(prefixes)) options.push({ label: p + ":", type: "namespace", detail: prefixes[p] });
      }
      return { from: word.from, options, validFor: /^[\w:.<>/#-]*$/ };
    });
  }
  function loadTerms() {
    if (terms) return Promise.resolve(terms);
    if (!termsPromise) {
      termsPromise = fetch("/workbench/terms.json").then((r) => r.json()).then((j) => {
        terms = [...j.classes.map((c) => [c, "class"]), ...j.properties.map((p) => [p, "property"])];
        WB.termsSource = j.source;
        return terms;
      }).catch(() => { termsPromise = null; return []; });
    }
    return termsPromise;
  }
  function makeEditor(text) {
    const run = () => { runQuery(); return true; };
    editor = new CM.EditorView({
      parent: $("wb-editor"),
      state: CM.EditorState.create({
        doc: text,
        extensions: [
          CM.Prec.highest(CM.keymap.of([{ key: "Mod-Enter", run }, { key: "Shift-Enter", run }])),
          CM.basicSetup,
          CM.StreamLanguage.define(CM.sparql),
          CM.autocompletion({ override: [completions], activateOnTyping: true }),
        ],
      }),
    });
    WB.editor = editor;
  }
  const queryText = () => editor.state.doc.toString();
  function setQuery(text) { editor.dispatch({ changes: { from: 0, to: editor.state.doc.length, insert: text } }); }

  // ------------------------------------------------------------------ running
  async function ask(text) {
    const response = await fetch("/query", {
      method: "POST",
      headers: { "Content-Type": "application/x-www-form-urlencoded",
                 "Accept": "application/sparql-results+json, application/n-triples;q=0.9" },
      body: "query=" + encodeURIComponent(text),
    });
    const type = (response.headers.get("Content-Type") || "").split(";")[0].trim();
    const body = await response.text();
    if (!response.ok) throw new Error(body.trim() || response.status + " " + response.statusText);
    return { type, body };
  }
  async function runQuery() {
    const text = queryText();
    const runNo = ++WB.runs;
    WB.ready = false;
    status("Running…");
    history.replaceState(null, "", "#query=" + encodeURIComponent(text));
    const started = performance.now();
    let answer;
    try {
      answer = await ask(text);
    } catch (err) {
      if (runNo !== WB.runs) return;
      result = null;
      showError(err.message);
      status("The query failed", true);
      WB.ready = true;
      return;
    }
    if (runNo !== WB.runs) return;
    const ms = Math.round(performance.now() - started);
    if (answer.type !== "application/sparql-results+json") {
      const lines = answer.body.split("\n").filter((l) => l.trim()).length;
      result = { vars: [], rows: [], raw: answer.body, rawType: answer.type };
      status(`${lines.toLocaleString()} triples in ${ms} ms`);
      enableViews();
      render();
      WB.ready = true;
      return;
    }
    const json = JSON.parse(answer.body);
    if (typeof json.boolean === "boolean") {
      result = { vars: ["answer"], rows: [{ answer: { type: "literal", value: String(json.boolean) } }], json };
    } else {
      result = { vars: json.head.vars || [], rows: json.results.bindings, json };
    }
    WB.vars = result.vars; WB.rows = result.rows;
    status(`${result.rows.length.toLocaleString()} ${result.rows.length === 1 ? "row" : "rows"} in ${ms} ms`);
    const wanted = (text.match(/#\s*defaultView:(\w+)/i) || [])[1];
    await lookUp(result.rows);
    if (runNo !== WB.runs) return;
    enableViews();
    const views = { table: "table", timeline: "timeline", chart: "chart", map: "map" };
    const preferred = wanted && views[wanted.toLowerCase()];
    if (preferred && !viewButton(preferred).disabled) WB.view = preferred;
    else if (viewButton(WB.view).disabled) WB.view = "table";
    render();
    WB.ready = true;
  }
  function showError(message) {
    const box = $("wb-result");
    box.replaceChildren(el("pre", { class: "wb-error", text: message }));
    for (const b of document.querySelectorAll("#wb-views button")) b.disabled = b.dataset.view !== "table";
    $("wb-csv").disabled = $("wb-json").disabled = true;
  }

  // Labels, kinds, web addresses and coordinates of the IRIs in a result (one query, the first few hundred).
  async function lookUp(rows) {
    await Promise.all([lookUpIris(rows), lookUpPlaces(rows)]);
  }
  // Places named in a column called ?place (the library's top-places): their coordinates, by name.
  async function lookUpPlaces(rows) {
    const names = new Set();
    for (const row of rows) {
      const c = row.place;
      if (c && c.type === "literal" && !c.datatype && !WB.places.has(c.value) && names.size < MAX_LOOKUPS) names.add(c.value);
    }
    if (!names.size) return;
    const q = `SELECT ?name ?lat ?lon WHERE {
  { SELECT ?name WHERE { VALUES ?name { ${[...names].map((n) => JSON.stringify(n)).join(" ")} } } }
  ?p <https://schema.org/name> ?name ; a <https://schema.org/Place> ;
     <https://schema.org/latitude> ?lat ; <https://schema.org/longitude> ?lon .
}`;
    let answer;
    try { answer = JSON.parse((await ask(q)).body); } catch (err) { return; }
    for (const n of names) WB.places.set(n, null);
    for (const b of answer.results.bindings) {
      if (!WB.places.get(b.name.value)) WB.places.set(b.name.value, { lat: Number(b.lat.value), lon: Number(b.lon.value) });
    }
  }
  async function lookUpIris(rows) {
    const wanted = [];
    const seen = new Set();
    for (const row of rows) {
      for (const cell of Object.values(row)) {
        if (cell.type !== "uri" || seen.has(cell.value) || WB.entities.has(cell.value)) continue;
        if (/[<>"{}|^`\\\s]/.test(cell.value)) continue;
        seen.add(cell.value);
        wanted.push(cell.value);
        if (wanted.length >= MAX_LOOKUPS) break;
      }
      if (wanted.length >= MAX_LOOKUPS) break;
    }
    if (!wanted.length) return;
    const q = `SELECT ?s ?type ?label ?url ?lat ?lon WHERE {
  VALUES ?s { ${wanted.map((i) => "<" + i + ">").join(" ")} }
  OPTIONAL { ?s a ?type }
  OPTIONAL { ?s <https://schema.org/headline> ?h }
  OPTIONAL { ?s <https://schema.org/name> ?n }
  OPTIONAL { ?s <http://www.w3.org/2004/02/skos/core#prefLabel> ?p }
  OPTIONAL { ?s <http://www.w3.org/2000/01/rdf-schema#label> ?r }
  OPTIONAL { ?s <https://schema.org/url> ?url }
  OPTIONAL { ?s <https://schema.org/latitude> ?lat ; <https://schema.org/longitude> ?lon }
  BIND(COALESCE(?h, ?n, ?p, ?r) AS ?label)
}`;
    let answer;
    try { answer = JSON.parse((await ask(q)).body); } catch (err) { return; }
    for (const iri of wanted) WB.entities.set(iri, {});
    for (const b of answer.results.bindings) {
      const e = WB.entities.get(b.s.value);
      if (b.type && KIND_OF_CLASS[b.type.value] && (!e.kind || e.kind === "organization")) e.kind = KIND_OF_CLASS[b.type.value];
      if (b.label && !e.label) e.label = b.label.value;
      if (b.url && !e.url) e.url = b.url.value;
      if (b.lat && b.lon && e.lat === undefined) { e.lat = Number(b.lat.value); e.lon = Number(b.lon.value); }
    }
  }
  // The explorer page for an entity of a result, or null when the explorer has no filter for its kind.
  function viewHref(iri) {
    const e = WB.entities.get(iri) || {};
    const p = new URLSearchParams();
    if (e.kind === "article") p.set("around", e.url || iri);
    else if (e.kind === "story") p.set("story", iri);
    else if (e.kind === "outlet" && e.label) p.set("provider", e.label);
    else if ((e.kind === "topic" || e.kind === "place") && e.label) p.set("topic", e.label);
    else return null;
    return "/view?" + p.toString();
  }

  // ------------------------------------------------------------------ views
  const viewButton = (name) => document.querySelector(`#wb-views button[data-view="${name}"]`);
  function columns() {
    const out = { dates: [], numbers: [], names: [] };
    if (!result) return out;
    for (const v of result.vars) {
      let dates = 0, numbers = 0, other = 0;
      for (const row of result.rows) {
        const c = row[v];
        if (!c) continue;
        if (c.type === "literal" && (DATE_TYPES.has(c.datatype) || (!c.datatype && ISO_DATE.test(c.value)))) dates++;
        else if (c.type === "literal" && NUM_TYPES.has(c.datatype)) numbers++;
        else other++;
      }
      if (dates && !numbers && !other) out.dates.push(v);
      else if (numbers && !dates && !other) out.numbers.push(v);
      else if (other) out.names.push(v);
    }
    return out;
  }
  function points() {
    if (!result) return [];
    const cols = result.vars;
    const lat = cols.find((v) => /^(lat|latitude)$/i.test(v)), lon = cols.find((v) => /^(lon|lng|long|longitude)$/i.test(v));
    const size = columns().numbers.find((v) => v !== lat && v !== lon);
    const out = [];
    result.rows.forEach((row, i) => {
      let y = lat && row[lat] ? Number(row[lat].value) : NaN, x = lon && row[lon] ? Number(row[lon].value) : NaN;
      let name = null, iri = null;
      for (const v of cols) {
        const c = row[v];
        if (!c || c.type !== "uri") continue;
        const e = WB.entities.get(c.value);
        if (e && e.lat !== undefined && (isNaN(x) || isNaN(y)) ) { y = e.lat; x = e.lon; iri = c.value; name = e.label || c.value; break; }
        if (!iri) { iri = c.value; name = (e && e.label) || c.value; }
      }
      const place = row.place && row.place.type === "literal" ? WB.places.get(row.place.value) : null;
      if ((isNaN(x) || isNaN(y)) && place) { y = place.lat; x = place.lon; name = row.place.value; }
      if (isNaN(x) || isNaN(y) || Math.abs(y) > 90 || Math.abs(x) > 180) return;
      out.push({ x, y, row: i, iri, name: name || `row ${i + 1}`, n: size && row[size] ? Number(row[size].value) : 1 });
    });
    return out;
  }
  function enableViews() {
    const cols = columns();
    const has = !!(result && result.rows.length);
    viewButton("timeline").disabled = !(has && cols.dates.length);
    viewButton("chart").disabled = !(has && cols.numbers.length && cols.names.length);
    viewButton("map").disabled = !(has && points().length);
    $("wb-csv").disabled = $("wb-json").disabled = !result;
  }
  for (const b of document.querySelectorAll("#wb-views button[data-view]")) {
    b.addEventListener("click", () => { WB.view = b.dataset.view; render(); });
  }
  function render() {
    for (const b of document.querySelectorAll("#wb-views button[data-view]")) b.classList.toggle("active", b.dataset.view === WB.view);
    const box = $("wb-result");
    if (!result) return;
    if (result.raw !== undefined) { box.replaceChildren(el("pre", { class: "wb-text", text: result.raw })); return; }
    const draw = { table: table, timeline: timeline, chart: chart, map: map }[WB.view];
    box.replaceChildren(...draw());
  }

  // The table: IRIs as labels (the IRI on hover), linked to the explorer; ↗ goes to the page itself.
  function cellNode(c, v) {
    if (!c) return document.createTextNode("");
    const by = NAME_COLUMNS[v];
    if (by && c.type === "literal" && !c.datatype && c.value) {
      const a = el("a", { class: "wb-entity", title: `Explore ${by === "provider" ? "the outlet" : "the topic"} ${c.value}`, text: c.value });
      a.href = "/view?" + new URLSearchParams({ [by]: c.value }).toString();
      a.target = "_blank";
      a.dataset.explore = by;
      return a;
    }
    if (c.type === "uri") {
      const e = WB.entities.get(c.value) || {};
      const label = e.label || prefixed(c.value) || c.value;
      const href = viewHref(c.value);
      const frag = document.createDocumentFragment();
      const a = el(href ? "a" : "span", { class: "wb-entity", title: c.value, text: label });
      if (href) { a.href = href; a.target = "_blank"; a.dataset.explore = e.kind; }
      frag.append(a);
      if (e.kind && e.kind !== "topic") frag.append(el("span", { class: "wb-kind", text: e.kind }));
      const web = e.url || c.value;
      if (/^https?:\/\//.test(web) && (e.kind === "article" || e.url)) {
        frag.append(el("a", { class: "wb-out", href: web, target: "_blank", rel: "noopener noreferrer", title: "Open " + web, text: "↗" }));
      }
      return frag;
    }
    const frag = document.createDocumentFragment();
    frag.append(document.createTextNode(c.value));
    if (c["xml:lang"]) frag.append(el("span", { class: "wb-lit-type", text: "@" + c["xml:lang"] }));
    return frag;
  }
  function table() {
    const t = el("table", { class: "wb-table" });
    const head = el("tr");
    for (const v of result.vars) head.append(el("th", { text: "?" + v }));
    t.append(el("thead", {}, head));
    const body = el("tbody");
    for (const row of result.rows.slice(0, MAX_ROWS_SHOWN)) {
      const tr = el("tr");
      for (const v of result.vars) {
        const c = row[v];
        const kind = !c || c.type !== "literal" ? "" : NUM_TYPES.has(c.datatype) ? "num" : DATE_TYPES.has(c.datatype) || ISO_DATE.test(c.value) ? "date" : "";
        const td = el("td", kind ? { class: kind } : {});
        td.append(cellNode(c, v));
        tr.append(td);
      }
      body.append(tr);
    }
    t.append(body);
    const out = [t];
    if (result.rows.length > MAX_ROWS_SHOWN) {
      out.unshift(el("p", { class: "wb-meta", text: `Showing the first ${MAX_ROWS_SHOWN.toLocaleString()} of ${result.rows.length.toLocaleString()} rows; the downloads hold every one.` }));
    }
    return out;
  }
  function nameOf(row, cols) {
    for (const v of cols) {
      const c = row[v];
      if (!c) continue;
      if (c.type === "uri") { const e = WB.entities.get(c.value); return (e && e.label) || prefixed(c.value) || c.value; }
      return c.value;
    }
    return "";
  }
  const when = (c) => {
    let text = c.value;
    if (/^\d{4}$/.test(text)) text += "-01-01";
    else if (/^\d{4}-\d\d$/.test(text)) text += "-01";
    const t = Date.parse(text.length === 10 ? text + "T00:00:00Z" : text);
    return isNaN(t) ? null : t;
  };
  const shortDate = (t, span) => {
    const d = new Date(t).toISOString();
    return span > 3 * 864e5 ? d.slice(0, 10) : d.slice(0, 10) + " " + d.slice(11, 16);
  };
  // The timeline: one mark per row at its date. With a number column, bars (or one line per series
  // when a name column varies); without one, each row a dot, stacked within its day.
  function timeline() {
    const cols = columns();
    const dateCol = cols.dates[0], numCol = cols.numbers[0];
    const rows = result.rows.map((row, i) => ({ row, i, t: row[dateCol] ? when(row[dateCol]) : null })).filter((r) => r.t !== null);
    if (!rows.length) return [el("p", { class: "wb-meta", text: "No row has a date here." })];
    const W = 1100, L = 56, R = 16, T = 16, B = 40, step = 10;
    let t0 = Math.min(...rows.map((r) => r.t)), t1 = Math.max(...rows.map((r) => r.t));
    if (t1 === t0) { t0 -= 864e5; t1 += 864e5; }
    const pad = (t1 - t0) * 0.03;
    t0 -= pad; t1 += pad;
    const X = (t) => L + ((t - t0) / (t1 - t0)) * (W - L - R);
    // without numbers: in time order, each dot on the lowest level where it does not touch the one before it
    const level = new Map();
    if (!numCol) {
      const levels = [];
      for (const r of [...rows].sort((a, b) => a.t - b.t || a.i - b.i)) {
        const x = X(r.t);
        let k = levels.findIndex((last) => x - last >= step);
        if (k < 0) { k = levels.length; levels.push(x); } else levels[k] = x;
        level.set(r.i, k);
      }
    }
    const H = numCol ? 360 : Math.min(600, Math.max(120, T + B + 16 + step * Math.max(0, ...level.values())));
    const s = svg("svg", { class: "wb-svg", id: "wb-timeline", viewBox: `0 0 ${W} ${H}`, width: W, height: H });
    const distinct = [...new Set(rows.map((r) => r.t))].sort((a, b) => a - b);
    const ticks = distinct.length <= 14 ? distinct : [0, 1, 2, 3, 4, 5, 6].map((k) => t0 + ((t1 - t0) * (k + 0.5)) / 7);
    for (const t of ticks) {
      s.append(svg("line", { x1: X(t), x2: X(t), y1: T, y2: H - B, stroke: "#eaeef2" }));
      const label = svg("text", { x: X(t), y: H - B + 16, "text-anchor": "middle" });
      label.textContent = distinct.length <= 14 ? rows.find((r) => r.t === t).row[dateCol].value.slice(0, 16) : shortDate(t, t1 - t0);
      s.append(label);
    }
    s.append(svg("line", { x1: L, x2: W - R, y1: H - B, y2: H - B, stroke: "#8c959f" }));
    const legend = el("div", { class: "wb-legend" });
    const nameCols = cols.names.filter((v) => v !== dateCol);
    if (numCol) {
      const values = rows.map((r) => Number(r.row[numCol] ? r.row[numCol].value : 0));
      const top = Math.max(1, ...values);
      const Y = (v) => H - B - (v / top) * (H - B - T);
      for (let k = 0; k <= 4; k++) {
        const v = (top * k) / 4, y = Y(v);
        const label = svg("text", { x: L - 6, y: y + 4, "text-anchor": "end" }); label.textContent = Math.round(v).toLocaleString(); s.append(label);
      }
      const seriesCol = nameCols.find((v) => new Set(rows.map((r) => r.row[v] && r.row[v].value)).size > 1);
      if (seriesCol) {
        const groups = new Map();
        for (const r of rows) {
          const key = nameOf(r.row, [seriesCol]);
          if (!groups.has(key)) groups.set(key, []);
          groups.get(key).push(r);
        }
        const ranked = [...groups.entries()].sort((a, b) => b[1].reduce((n, r) => n + Number(r.row[numCol]?.value || 0), 0) - a[1].reduce((n, r) => n + Number(r.row[numCol]?.value || 0), 0));
        ranked.slice(0, COLOURS.length).forEach(([key, members], k) => {
          members.sort((a, b) => a.t - b.t);
          const colour = COLOURS[k];
          s.append(svg("polyline", { fill: "none", stroke: colour, "stroke-width": 1.5, points: members.map((r) => `${X(r.t)},${Y(Number(r.row[numCol]?.value || 0))}`).join(" ") }));
          for (const r of members) {
            const v = Number(r.row[numCol]?.value || 0);
            s.append(svg("circle", { class: "wb-mark", "data-row": r.i, cx: X(r.t), cy: Y(v), r: 3, fill: colour }, `${key} · ${r.row[dateCol].value}: ${v.toLocaleString()}`));
          }
          legend.append(el("span", {}, el("i", { style: `background:${colour}` }), key));
        });
        if (ranked.length > COLOURS.length) legend.append(el("span", { text: `and ${ranked.length - COLOURS.length} more (in the table)` }));
      } else {
        const times = [...new Set(rows.map((r) => r.t))].sort((a, b) => a - b);
        let gap = Infinity;
        for (let k = 1; k < times.length; k++) gap = Math.min(gap, X(times[k]) - X(times[k - 1]));
        const bw = Math.max(2, Math.min(40, (isFinite(gap) ? gap : 40) * 0.8));
        for (const r of rows) {
          const v = Number(r.row[numCol]?.value || 0);
          s.append(svg("rect", { class: "wb-mark", "data-row": r.i, x: X(r.t) - bw / 2, y: Y(v), width: bw, height: Math.max(0, H - B - Y(v)), fill: "#1f6feb" },
            `${r.row[dateCol].value}: ${v.toLocaleString()} ${numCol}${nameCols.length ? " · " + nameOf(r.row, nameCols) : ""}`));
        }
      }
    } else {
      for (const r of rows) {
        const x = X(r.t), y = H - B - 8 - level.get(r.i) * step;
        if (y < T) continue;
        s.append(svg("circle", { class: "wb-mark", "data-row": r.i, cx: x, cy: y, r: 4, fill: "#1f6feb", "fill-opacity": 0.8 },
          `${r.row[dateCol].value}${nameCols.length ? " · " + nameOf(r.row, nameCols) : ""}`));
      }
    }
    s.addEventListener("click", (ev) => { const m = ev.target.closest(".wb-mark"); if (m) openRow(Number(m.dataset.row)); });
    const caption = el("p", { class: "wb-meta", text: `?${dateCol} of ${rows.length.toLocaleString()} rows` + (numCol ? `, ?${numCol} up` : "") + ". Click a mark to explore its row." });
    return [caption, s, legend];
  }
  // Open the explorer on the first entity of a row that it can draw.
  function openRow(i) {
    const row = result.rows[i];
    for (const v of result.vars) {
      const c = row[v];
      if (c && c.type === "uri") { const href = viewHref(c.value); if (href) { window.open(href, "_blank"); return; } }
    }
    for (const v of result.vars) {
      const c = row[v];
      if (c && NAME_COLUMNS[v] && c.type === "literal" && !c.datatype && c.value) {
        window.open("/view?" + new URLSearchParams({ [NAME_COLUMNS[v]]: c.value }).toString(), "_blank");
        return;
      }
    }
  }
  // The chart: one bar per row (the first 50), its name from the first name column, its length the first number.
  function chart() {
    const cols = columns();
    const numCol = cols.numbers[0];
    const rows = result.rows.slice(0, 50);
    const W = 1100, rowH = 20, L = 320, R = 70, T = 8;
    const H = T * 2 + rows.length * rowH;
    const s = svg("svg", { class: "wb-svg", id: "wb-chart", viewBox: `0 0 ${W} ${H}`, width: W, height: H });
    const top = Math.max(1, ...rows.map((row) => Number(row[numCol]?.value || 0)));
    rows.forEach((row, i) => {
      const v = Number(row[numCol]?.value || 0), y = T + i * rowH;
      const name = nameOf(row, cols.names);
      const label = svg("text", { x: L - 8, y: y + 14, "text-anchor": "end" });
      label.textContent = name.length > 48 ? name.slice(0, 47) + "…" : name;
      s.append(label);
      s.append(svg("rect", { class: "wb-mark", "data-row": i, x: L, y: y + 3, width: Math.max(1, (v / top) * (W - L - R)), height: rowH - 6, fill: "#1f6feb" }, `${name}: ${v.toLocaleString()}`));
      const n = svg("text", { x: L + (v / top) * (W - L - R) + 6, y: y + 14 }); n.textContent = v.toLocaleString(); s.append(n);
    });
    s.addEventListener("click", (ev) => { const m = ev.target.closest(".wb-mark"); if (m) openRow(Number(m.dataset.row)); });
    const note = result.rows.length > rows.length ? ` (the first ${rows.length} of ${result.rows.length.toLocaleString()} rows)` : "";
    return [el("p", { class: "wb-meta", text: `?${numCol} by ${cols.names.map((v) => "?" + v).join(", ")}${note}. Click a bar to explore its row.` }), s];
  }
  // The map: the world's land (Natural Earth, offline) and a dot per place, its area by the first number.
  function map() {
    const W = 1080, H = 540;
    const s = svg("svg", { class: "wb-svg", id: "wb-map", viewBox: `0 0 ${W} ${H}`, width: W, height: H });
    const X = (lon) => ((lon + 180) / 360) * W, Y = (lat) => ((90 - lat) / 180) * H;
    s.append(svg("rect", { x: 0, y: 0, width: W, height: H, fill: "#f8fbff" }));
    if (world) {
      // a ring that crosses the 180th meridian is cut there (no line across the whole map)
      const d = world.rings.map((ring) => {
        let path = "", last = null, cut = false;
        for (const [lon, lat] of ring) {
          const jump = last !== null && Math.abs(lon - last) > 180;
          cut = cut || jump;
          path += (last === null || jump ? "M" : "L") + X(lon).toFixed(1) + "," + Y(lat).toFixed(1);
          last = lon;
        }
        return cut ? path : path + "Z";
      }).join("");
      s.append(svg("path", { class: "wb-land", d }));
    }
    const pts = points();
    const top = Math.max(1, ...pts.map((p) => p.n));
    for (const p of pts.sort((a, b) => b.n - a.n)) {
      s.append(svg("circle", { class: "wb-mark", "data-row": p.row, cx: X(p.x), cy: Y(p.y), r: 3 + 14 * Math.sqrt(p.n / top), fill: "#d1242f", "fill-opacity": 0.55, stroke: "#fff" },
        `${p.name}${p.n !== 1 ? ": " + p.n.toLocaleString() : ""}`));
    }
    s.addEventListener("click", (ev) => { const m = ev.target.closest(".wb-mark"); if (m) openRow(Number(m.dataset.row)); });
    return [el("p", { class: "wb-meta", text: `${pts.length.toLocaleString()} rows with coordinates. Click a dot to explore its place.` }), s];
  }

  // ------------------------------------------------------------------ downloads
  function save(name, type, text) {
    const url = URL.createObjectURL(new Blob([text], { type }));
    const a = el("a", { href: url, download: name });
    document.body.append(a); a.click(); a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10000);
  }
  const csvField = (s) => (/[",\n\r]/.test(s) ? '"' + s.replace(/"/g, '""') + '"' : s);
  function csv() { // SPARQL 1.1 Query Results CSV: values only, IRIs as they are
    const lines = [result.vars.map(csvField).join(",")];
    for (const row of result.rows) lines.push(result.vars.map((v) => (row[v] ? csvField(row[v].value) : "")).join(","));
    return lines.join("\r\n") + "\r\n";
  }
  $("wb-csv").addEventListener("click", () => {
    if (result && result.raw !== undefined) save("result.nt", "application/n-triples", result.raw);
    else if (result) save("result.csv", "text/csv", csv());
  });
  $("wb-json").addEventListener("click", () => { if (result && result.json) save("result.json", "application/sparql-results+json", JSON.stringify(result.json, null, 1)); });
  WB.csv = () => csv();

  // ------------------------------------------------------------------ start
  function fromHash() {
    const hash = new URLSearchParams(location.hash.slice(1));
    if (hash.get("query")) return { text: hash.get("query"), example: null };
    const name = hash.get("example");
    if (name && library[name]) return { text: exampleText(name), example: name };
    return null;
  }
  function choose(name) {
    $("wb-example").value = name;
    $("wb-question").textContent = name && library[name] ? library[name].question : "";
  }
  async function start() {
    const lib = await (await fetch("/workbench/library.json")).json();
    library = lib.library; prefixes = lib.prefixes;
    const select = $("wb-example");
    for (const q of Object.values(library)) {
      const opt = el("option", { value: q.name, text: q.name + " — " + q.question.replace(/\s*\([^)]*\)\s*$/, "") });
      opt.title = q.question;
      select.append(opt);
    }
    select.addEventListener("change", () => {
      if (!select.value) return;
      choose(select.value);
      setQuery(exampleText(select.value));
      history.replaceState(null, "", "#example=" + encodeURIComponent(select.value));
      runQuery();
    });
    const first = fromHash() || { text: exampleText(lib.first), example: lib.first };
    makeEditor(first.text);
    choose(first.example || "");
    $("wb-run").addEventListener("click", runQuery);
    fetch("/workbench/world.json").then((r) => r.json()).then((w) => { world = w; }).catch(() => {});
    loadTerms();
    WB.ready = true;
    WB.started = true;
    if (fromHash()) runQuery();
  }
  start().catch((err) => { status("The workbench could not start: " + err.message, true); });
})();
