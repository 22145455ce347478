// Reproduces graph/sparql/static/vendor.js, world.json and VENDOR-LICENSES.txt from the pinned
// packages of package-lock.json:  cd vendor/workbench && npm ci && npm run build
import { build } from "esbuild";
import { readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { feature } from "topojson-client";

const require = createRequire(import.meta.url);
const out = new URL("../../graph/sparql/static/", import.meta.url);

await build({
  entryPoints: ["entry.js"],
  bundle: true,
  minify: true,
  format: "iife",
  globalName: "CM",
  target: "es2020",
  legalComments: "none",
  outfile: new URL("vendor.js", out).pathname,
});

// The land of the world (Natural Earth 1:110m, via world-atlas) as rings of [lon, lat] rounded to 0.1
// degree: the map view's background, drawn offline.
const land = require("world-atlas/land-110m.json");
const rings = [];
for (const f of feature(land, land.objects.land).features) {
  const polys = f.geometry.type === "Polygon" ? [f.geometry.coordinates] : f.geometry.coordinates;
  for (const poly of polys) rings.push(poly[0].map(([x, y]) => [Math.round(x * 10) / 10, Math.round(y * 10) / 10]));
}
writeFileSync(new URL("world.json", out), JSON.stringify({ source: "Natural Earth 1:110m land, via world-atlas 2.0.2 (ISC)", rings }));

const lock = JSON.parse(readFileSync("package-lock.json", "utf8"));
const bundled = ["codemirror", "@codemirror/", "@lezer/", "style-mod", "w3c-keyname", "crelt", "@marijn/", "world-atlas"];
let text = "Third-party code in graph/sparql/static (vendor.js: CodeMirror 6; world.json: world-atlas),\n" +
  "built by vendor/workbench/build.mjs from these packages of the npm registry:\n\n";
for (const [path, info] of Object.entries(lock.packages)) {
  const name = path.replace(/^.*node_modules\//, "");
  if (!path || !bundled.some((b) => name.startsWith(b))) continue;
  const dir = new URL(path + "/", import.meta.url);
  let licence = "";
  for (const file of ["LICENSE", "LICENSE.md", "LICENSE.txt", "license"]) {
    try { licence = readFileSync(new URL(file, dir), "utf8"); break; } catch {}
  }
  text += `==== ${name} ${info.version} (${info.license})\n\n${licence.trim()}\n\n`;
}
writeFileSync(new URL("VENDOR-LICENSES.txt", out), text);
