import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';

/** A Lua script as Redis runs it: its text, and the SHA1 that EVALSHA names it by. */
export interface LuaScript {
  readonly lua: string;
  readonly sha: string;
}

/**
 * Reads a script kept in its own `.lua` file, relative to its owner's module (`import.meta.url`). Owners call it at
 * module load, so a missing file fails the start, not the first call.
 */
export function luaScript(file: string, ownerUrl: string): LuaScript {
  const lua = readFileSync(new URL(file, ownerUrl), 'utf8');
  return { lua, sha: createHash('sha1').update(lua).digest('hex') };
}
