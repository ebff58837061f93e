// Copies the files the portal serves from node_modules into app/static/vendor,
// so the packages come from the npm registry (with the lockfile) and are never
// committed to the repository.
import { cpSync, mkdirSync, rmSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const vendor = join(root, "app", "static", "vendor");
const files = {
  "component-library-css/index.css": "@utrecht/component-library-css/dist/index.css",
  "design-tokens/root.css": "@utrecht/design-tokens/dist/root.css",
  "design-tokens/theme.css": "@utrecht/design-tokens/dist/theme.css",
  "htmx/htmx.min.js": "htmx.org/dist/htmx.min.js",
};

rmSync(vendor, { recursive: true, force: true });
for (const [target, source] of Object.entries(files)) {
  const destination = join(vendor, target);
  mkdirSync(dirname(destination), { recursive: true });
  cpSync(join(root, "node_modules", source), destination);
}
console.log(`copied ${Object.keys(files).length} asset files to app/static/vendor`);
