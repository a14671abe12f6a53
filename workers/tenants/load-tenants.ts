import { readFileSync } from 'node:fs';
import { extname } from 'node:path';
import { parse as parseYaml, YAMLParseError } from 'yaml';
import type { Policy } from '../../workflows/resync/index.js';
import { parseTenants } from './parse-tenants.js';
import type { TenantSet } from './tenant-config.js';
import { TenantsFileError } from './tenants-file-error.js';

function lineAndColumn(text: string, offset: number): string {
  const before = text.slice(0, Math.max(0, offset));
  const line = before.split('\n').length;
  return `line ${line}, column ${offset - before.lastIndexOf('\n')}`;
}

/**
 * The document in `text`: JSON for a `.json` file, YAML otherwise (YAML reads JSON too, so a JSON file by another
 * name works). A syntax error names the place and the kind of mistake but quotes nothing: the line might hold a
 * secret someone pasted by mistake.
 */
function parseDocument(text: string, path: string): unknown {
  if (extname(path).toLowerCase() === '.json') {
    try {
      return JSON.parse(text);
    } catch (err) {
      const at = /position (\d+)/.exec((err as Error).message);
      throw new TenantsFileError([`${path} is not valid JSON${at ? ` (${lineAndColumn(text, Number(at[1]))})` : ''}`]);
    }
  }
  try {
    return parseYaml(text, { prettyErrors: false, uniqueKeys: true, maxAliasCount: 100 });
  } catch (err) {
    if (err instanceof YAMLParseError) throw new TenantsFileError([`${path} is not valid YAML: ${err.code} at ${lineAndColumn(text, err.pos[0])}`]);
    throw err;
  }
}

/**
 * Reads and validates TENANTS_FILE (synchronously: it is small, read at start-up and on reload). Throws
 * TenantsFileError (a ConfigError for TENANTS_FILE) naming every problem.
 */
export function loadTenants(path: string, basePolicy: Policy, env: NodeJS.ProcessEnv): TenantSet {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new TenantsFileError([`cannot read ${path} (${(err as NodeJS.ErrnoException).code ?? 'error'})`]);
  }
  return parseTenants(parseDocument(text, path), basePolicy, env, path);
}
