// Quoting for each consumer of a rendered file. Handlebars' HTML escaping is wrong for all of
// them (templates render with noEscape), so every interpolated value goes through one of these.
import { quote } from '../core/command.js';
import { UsageError } from '../core/errors.js';

/**
 * Refuse what no format can carry: control characters (a newline ends a unit line or a crontab
 * entry), backslashes (cron has no escape for a backslash before `%`) and double quotes (systemd
 * path lists would need them escaped), and spaces at either end. No sane path contains them.
 */
export function checkValue(flag: string, value: string): string {
  if (/[\u0000-\u001f\u007f\\"]/.test(value)) {
    throw new UsageError(`${flag} ${JSON.stringify(value)}: control characters, backslashes and double quotes are not supported here`);
  }
  // systemd strips them from the end of a setting's value.
  if (value.trim() !== value) throw new UsageError(`${flag} ${JSON.stringify(value)}: leading or trailing spaces are not supported here`);
  return value;
}

// ---- systemd (systemd.unit(5) "Specifiers", systemd.service(5) "Command lines") ----------------

/** `%` starts a specifier in almost every unit setting: write it as `%%`. */
function specifiers(value: string): string {
  return value.replace(/%/g, '%%');
}

/**
 * A value a unit setting takes verbatim up to the end of the line (WorkingDirectory=,
 * EnvironmentFile=, User=, Description=): no quoting applies there, only specifiers.
 */
export function systemdVerbatim(value: string): string {
  return specifiers(value);
}

/**
 * One word of a unit's word list (ReadWritePaths=) or, with `expandsEnv`, an argument of a
 * command line (where `$NAME` is substituted, so `$` is written `$$`). Quoted only when needed.
 */
export function systemdWord(value: string, expandsEnv = false): string {
  if (value !== '' && /^[A-Za-z0-9_@+=:,./-]+$/.test(value)) return value;
  let body = specifiers(value).replace(/["\\]/g, (c) => `\\${c}`);
  if (expandsEnv) body = body.replace(/\$/g, () => '$$');
  return `"${body}"`;
}

/** ExecStart=: `$NAME` is substituted in the arguments, not in the executable's path. */
export function systemdCommandLine(argv: readonly string[]): string {
  return argv.map((arg, i) => systemdWord(arg, i > 0)).join(' ');
}

// ---- cron (crontab(5)) ------------------------------------------------------------------------

/**
 * A shell command as the command field of a crontab line: an unescaped `%` would end the command
 * (the rest becomes its stdin), so each is written `\%`; cron removes the backslash.
 */
export function cronCommand(shellCommand: string): string {
  return shellCommand.replace(/%/g, '\\%');
}

/** Shell words for /bin/sh, quoted by the same function every fleet command uses. */
export function shellWords(argv: readonly string[]): string {
  return argv.map(quote).join(' ');
}

// ---- YAML (CircleCI) --------------------------------------------------------------------------

/** A YAML double-quoted scalar: JSON string syntax is valid YAML. */
export function yamlString(value: string): string {
  return JSON.stringify(value);
}

/** CircleCI substitutes `<< ... >>` anywhere in config.yml; a value containing `<<` is refused. */
export function checkCircleciValue(flag: string, value: string): string {
  if (value.includes('<<')) throw new UsageError(`${flag} ${JSON.stringify(value)}: "<<" is not supported with --format circleci (CircleCI reads it as a pipeline parameter)`);
  return checkValue(flag, value);
}

// ---- Kubernetes (container command and args) ------------------------------------------------

/** kubelet expands `$(VAR)` in a container's command and args, and reads `$$` as a literal `$`. */
export function escapeExpansion(arg: string): string {
  return arg.replace(/\$/g, '$$$$');
}
