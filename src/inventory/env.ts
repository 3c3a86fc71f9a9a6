// `{{ env.NAME }}` substitution in inventory strings. This is the only template form fleet
// understands: anything else between `{{` and `}}` (Jinja expressions, filters, other variables)
// is reported instead of being passed through, so a typo never reaches a host as literal text.
// Substitution is a single pass: a substituted value is never scanned again, so an environment
// value that itself contains `{{` is used verbatim.

export interface EnvProblem {
  /** Never contains an environment value. */
  readonly message: string;
  /** Set when the problem is only that this variable is not set (here). */
  readonly unsetVariable?: string;
}

export interface EnvExpansion {
  /** The string with every valid reference replaced (invalid ones are left as written). */
  readonly value: string;
  /** One per bad reference; empty when the string was fine. */
  readonly problems: readonly EnvProblem[];
}

const TEMPLATE = /\{\{(.*?)\}\}/gs;
const ENV_REF = /^\s*env\.([A-Za-z_][A-Za-z0-9_]*)\s*$/;

/** Does the string contain anything that looks like a template (so callers can skip work)? */
export function hasTemplate(text: string): boolean {
  return text.includes('{{') || text.includes('}}');
}

export function expandEnv(text: string, env: NodeJS.ProcessEnv): EnvExpansion {
  if (!hasTemplate(text)) return { value: text, problems: [] };
  const problems: EnvProblem[] = [];
  const value = text.replace(TEMPLATE, (whole, inner: string) => {
    const ref = ENV_REF.exec(inner);
    if (!ref) {
      problems.push({ message: `unsupported template ${whole}: only {{ env.NAME }} (an environment variable) is supported` });
      return whole;
    }
    const name = ref[1] as string;
    const found = env[name];
    if (found === undefined) {
      problems.push({ message: `environment variable ${name} is not set (referenced as ${whole})`, unsetVariable: name });
      return whole;
    }
    return found;
  });
  // Braces left over once every {{...}} pair is consumed: an unterminated or stray delimiter.
  const rest = text.replace(TEMPLATE, '');
  if (rest.includes('{{')) problems.push({ message: 'unterminated template: "{{" without a matching "}}"' });
  else if (rest.includes('}}')) problems.push({ message: 'stray "}}" without a matching "{{"' });
  return { value, problems };
}
