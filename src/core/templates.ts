// Handlebars templates shipped in templates/ (beside dist/ and src/ in the package).
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Handlebars from 'handlebars';

const templatesDir = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'templates');
const cache = new Map<string, HandlebarsTemplateDelegate>();

/** Render templates/<name>.hbs. Values are not HTML-escaped: these are config files, not pages. */
export function render(name: string, context: object): string {
  let template = cache.get(name);
  if (!template) {
    template = Handlebars.compile(readFileSync(join(templatesDir, `${name}.hbs`), 'utf8'), { noEscape: true, strict: true });
    cache.set(name, template);
  }
  return template(context);
}
