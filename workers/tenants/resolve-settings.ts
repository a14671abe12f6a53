import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { FieldProblem } from './field-problem.js';
import { isSecretSetting } from './secret-setting.js';
import type { PlatformKind } from './tenant-config.js';

/** The variables each platform's adapter reads: a tenant's settings are its own, never another adapter's. */
const PREFIX: Record<PlatformKind, string> = { local: 'TWOFA_LOCAL_', privacyidea: 'PRIVACYIDEA_', 'safenet-sta': 'STA_' };
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

function isRecord(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

type Resolved = { value: string } | { problem: string };

function resolveOne(name: string, raw: unknown, env: NodeJS.ProcessEnv, baseDir: string): Resolved {
  if (typeof raw === 'string' || typeof raw === 'number' || typeof raw === 'boolean') {
    if (isSecretSetting(name)) return { problem: 'a secret must be given as {env: NAME} or {file: path}, never in the file' };
    return { value: String(raw) };
  }
  const keys = isRecord(raw) ? Object.keys(raw) : [];
  if (isRecord(raw) && keys.length === 1 && keys[0] === 'env') {
    const variable = raw.env;
    if (typeof variable !== 'string' || !ENV_NAME.test(variable)) return { problem: '{env: NAME} needs the name of an environment variable' };
    const value = env[variable];
    if (value === undefined || value === '') return { problem: `environment variable ${variable} is ${value === undefined ? 'not set' : 'empty'}` };
    return { value };
  }
  if (isRecord(raw) && keys.length === 1 && keys[0] === 'file') {
    const path = raw.file;
    if (typeof path !== 'string' || path.trim() === '') return { problem: '{file: path} needs the path of a file' };
    const full = resolve(baseDir, path);
    let text: string;
    try {
      text = readFileSync(full, 'utf8').trim();
    } catch (err) {
      return { problem: `cannot read file ${full} (${(err as NodeJS.ErrnoException).code ?? 'error'})` };
    }
    return text === '' ? { problem: `file ${full} is empty` } : { value: text };
  }
  return { problem: 'must be a string, a number, {env: NAME} or {file: path}' };
}

/**
 * A tenant's platform settings with every reference resolved: `{env: NAME}` from `env`, `{file: path}` (relative to
 * `baseDir`, the tenants file's folder) read and trimmed. Problems name the variable or file, never a value.
 */
export function resolveSettings(kind: PlatformKind, raw: Record<string, unknown>, env: NodeJS.ProcessEnv, baseDir: string): { settings: Record<string, string>; problems: FieldProblem[] } {
  const settings: Record<string, string> = {};
  const problems: FieldProblem[] = [];
  for (const [name, value] of Object.entries(raw)) {
    const field = `platform.settings.${name}`;
    if (!name.startsWith(PREFIX[kind])) {
      problems.push({ field, message: `not a setting of the ${kind} platform (its variables start with ${PREFIX[kind]})` });
      continue;
    }
    const r = resolveOne(name, value, env, baseDir);
    if ('problem' in r) problems.push({ field, message: r.problem });
    else settings[name] = r.value;
  }
  return { settings, problems };
}
