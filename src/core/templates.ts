// Handlebars templates shipped in templates/ (beside dist/ and src/ in the package).
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

// Loaded on first use: a run that renders nothing (clients only) skips ~30 ms of start-up.
const require = createRequire(import.meta.url);
let handlebars: typeof import('handlebars') | undefined;

const templatesDir = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'templates');
const cache = new Map<string, HandlebarsTemplateDelegate>();

/** Render templates/<name>.hbs. Values are not HTML-escaped: these are config files, not pages. */
export function render(name: string, context: object): string {
  let template = cache.get(name);
  if (!template) {
    handlebars ??= require('handlebars') as typeof import('handlebars');
    template = handlebars.compile(readFileSync(join(templatesDir, `${name}.hbs`), 'utf8'), { noEscape: true, strict: true });
    cache.set(name, template);
  }
  return template(context);
}
