/**
 * The private Handlebars instance (noEscape, strict) over templates/: files starting with `_` are
 * partials, and no template sees the environment. Templates are precompiled at build time
 * (scripts/precompile-templates.mjs, same options), so a render loads only the runtime.
 */
import { existsSync, readFileSync } from "node:fs";
import { dirname, isAbsolute, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import type HandlebarsApi from "handlebars";
import HandlebarsRuntime from "handlebars/runtime.js";
import { PRECOMPILED } from "./generated/templates.js";
import { HELPERS } from "./helpers.js";

// The runtime build has the full API but compile(); its bundled typings declare nothing.
const Handlebars = HandlebarsRuntime as unknown as typeof HandlebarsApi;

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
  private readonly compiled = new Map<string, HandlebarsApi.TemplateDelegate>();
  private readonly assets = new Map<string, string>();
  readonly root: string;

  constructor(root = join(packageRoot(), "templates")) {
    this.root = root;
    for (const [name, fn] of Object.entries(HELPERS)) this.hb.registerHelper(name, fn);
    for (const [file, spec] of Object.entries(PRECOMPILED)) {
      if (file.split("/").pop()!.startsWith("_")) this.hb.registerPartial(file.replace(/\.hbs$/, ""), this.hb.template(spec));
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
      const spec = PRECOMPILED[template];
      if (!spec) throw new Error(`template not found: templates/${template}`);
      fn = this.hb.template(spec);
      this.compiled.set(template, fn);
    }
    return fn(context, { allowProtoPropertiesByDefault: false, allowProtoMethodsByDefault: false });
  }
}
