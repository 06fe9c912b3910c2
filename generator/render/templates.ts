/**
 * Template discovery and the private Handlebars instance (noEscape, strict): templates/ is read in
 * sorted order, files starting with `_` are partials, and no template sees the environment.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { dirname, isAbsolute, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import Handlebars from "handlebars";
import { HELPERS } from "./helpers.js";

/** The package root (holds templates/ and schema/), from source or from the bundle in dist/. */
export function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    if (existsSync(join(dir, "templates")) && existsSync(join(dir, "schema"))) return dir;
    dir = dirname(dir);
  }
  throw new Error("slipway installation is incomplete: templates/ not found beside the package");
}

export class TemplateSet {
  private readonly hb = Handlebars.create();
  private readonly compiled = new Map<string, Handlebars.TemplateDelegate>();
  private readonly assets = new Map<string, string>();
  readonly root: string;

  constructor(root = join(packageRoot(), "templates")) {
    this.root = root;
    for (const [name, fn] of Object.entries(HELPERS)) this.hb.registerHelper(name, fn);
    for (const file of listFiles(root)) {
      const base = file.split("/").pop()!;
      if (base.startsWith("_")) this.hb.registerPartial(file.replace(/\.hbs$/, ""), readFileSync(join(root, file), "utf8"));
    }
  }

  /**
   * The exact text of a static file under templates/ (a TemplateAsset): read like a template, but
   * never compiled, so its bytes reach the output unchanged.
   */
  asset(path: string): string {
    let text = this.assets.get(path);
    if (text === undefined) {
      const file = join(this.root, path);
      const rel = relative(this.root, file);
      if (rel.startsWith("..") || isAbsolute(rel)) throw new Error(`asset outside templates/: ${path}`);
      if (!existsSync(file)) throw new Error(`asset not found: templates/${path}`);
      text = readFileSync(file, "utf8");
      this.assets.set(path, text);
    }
    return text;
  }

  render(template: string, context: Record<string, unknown>): string {
    let fn = this.compiled.get(template);
    if (!fn) {
      const path = join(this.root, template);
      if (!existsSync(path)) throw new Error(`template not found: templates/${template}`);
      fn = this.hb.compile(readFileSync(path, "utf8"), { noEscape: true, strict: true, knownHelpersOnly: false });
      this.compiled.set(template, fn);
    }
    return fn(context, { allowProtoPropertiesByDefault: false, allowProtoMethodsByDefault: false });
  }
}

/** Every file under dir, relative, sorted (never trust readdir order). */
export function listFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else out.push(relative(dir, p).split("\\").join("/"));
    }
  };
  if (existsSync(dir)) walk(dir);
  return out.sort();
}
