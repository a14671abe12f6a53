import { watch, type FSWatcher } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';
import type { Logger } from 'pino';
import type { Policy } from '../../workflows/resync/index.js';
import { loadTenants } from './load-tenants.js';
import type { TenantSet } from './tenant-config.js';
import { TenantsFileError } from './tenants-file-error.js';

export type TenantListener = (next: TenantSet, prev: TenantSet) => void | Promise<void>;

export type ReloadResult = { outcome: 'changed' | 'unchanged'; set: TenantSet } | { outcome: 'invalid'; problems: readonly string[]; set: TenantSet };

export interface TenantRegistryOptions {
  /** TENANTS_FILE */
  path: string;
  /** the global policy each tenant's overrides are merged into */
  basePolicy: Policy;
  /** where `{env: NAME}` references are looked up (default: process.env) */
  env?: NodeJS.ProcessEnv;
  log: Logger;
  /** quiet time after the last change in the file's folder before it is read again (default 200 ms) */
  debounceMs?: number;
}

/**
 * The tenants in force, replaced as a whole when TENANTS_FILE changes (a change in its folder, or SIGHUP). A file
 * that does not validate leaves the running tenants in place and is logged with every problem: a typo never stops
 * work already under way. Listeners hear of every new set (`next`, `prev`); one that throws or rejects is logged and
 * does not keep the others from hearing.
 */
export class TenantRegistry {
  private set: TenantSet;
  private readonly listeners = new Set<TenantListener>();
  private readonly path: string;
  private started = false;
  private watcher: FSWatcher | undefined;
  private timer: NodeJS.Timeout | undefined;
  private lastProblems = '';
  private readonly onSignal = (): void => {
    this.reload('SIGHUP');
  };

  /** Loads the file: at start-up an invalid one throws TenantsFileError (a ConfigError for TENANTS_FILE). */
  constructor(private readonly options: TenantRegistryOptions) {
    this.path = resolve(options.path);
    this.set = loadTenants(this.path, options.basePolicy, options.env ?? process.env);
  }

  get current(): TenantSet {
    return this.set;
  }

  /** Returns the function that removes the listener. */
  onChange(listener: TenantListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * Reads the file again now. Valid and different: the new set is in force when this returns, and the listeners
   * have been called (an async one is not awaited). Invalid: the running set stays and the problems are logged.
   */
  reload(trigger: 'SIGHUP' | 'file change' | 'request' = 'request'): ReloadResult {
    const { log } = this.options;
    let next: TenantSet;
    try {
      next = loadTenants(this.path, this.options.basePolicy, this.options.env ?? process.env);
    } catch (err) {
      // Whatever went wrong, a reload must not take the process down: the running tenants carry on.
      const problems = err instanceof TenantsFileError ? err.problems : [`unexpected ${(err as Error).name ?? 'error'} while reading the file: ${(err as Error).message}`];
      const text = problems.join('\n');
      // An editor saving in steps fires several changes: the same problems once are enough, unless asked.
      if (trigger !== 'file change' || text !== this.lastProblems) {
        log.error({ variable: 'TENANTS_FILE', trigger, problems }, `TENANTS_FILE ${this.path} is invalid; the running tenants stay in force: ${problems[0] ?? ''}`);
      }
      this.lastProblems = text;
      return { outcome: 'invalid', problems, set: this.set };
    }
    this.lastProblems = '';
    const prev = this.set;
    if (next.digest === prev.digest) {
      log.debug({ trigger }, 'TENANTS_FILE read again: no change');
      return { outcome: 'unchanged', set: prev };
    }
    this.set = next;
    log.info(
      {
        trigger,
        tenants: next.tenants.length,
        added: next.tenants.filter((t) => !prev.byId.has(t.id)).map((t) => t.id),
        removed: prev.tenants.filter((t) => !next.byId.has(t.id)).map((t) => t.id),
        changed: next.tenants.filter((t) => prev.byId.has(t.id) && prev.byId.get(t.id)?.digest !== t.digest).map((t) => t.id),
      },
      'TENANTS_FILE reloaded',
    );
    for (const listener of this.listeners) {
      try {
        const done = listener(next, prev);
        if (done instanceof Promise) done.catch((err: unknown) => this.listenerFailed(err));
      } catch (err) {
        this.listenerFailed(err);
      }
    }
    return { outcome: 'changed', set: next };
  }

  /**
   * Reloads on SIGHUP and on changes in the file's folder: the folder, not the file, because editors and
   * Kubernetes replace a file by renaming another onto it, which a watch on the old file would not see.
   */
  start(): void {
    if (this.started) return;
    this.started = true;
    process.on('SIGHUP', this.onSignal);
    const name = basename(this.path);
    try {
      this.watcher = watch(dirname(this.path), { persistent: false }, (_event, file) => {
        // `..data` is how a Kubernetes ConfigMap volume swaps its files; no name: the platform did not say which.
        if (file === null || file === name || String(file).startsWith('..')) this.schedule();
      });
      this.watcher.on('error', (err) => this.options.log.warn({ error: err.name, reason: err.message }, 'TENANTS_FILE watch failed; reload with SIGHUP'));
    } catch (err) {
      this.options.log.warn({ error: (err as Error).name, reason: (err as Error).message }, 'TENANTS_FILE cannot be watched; reload with SIGHUP');
    }
  }

  stop(): void {
    this.started = false;
    process.off('SIGHUP', this.onSignal);
    this.watcher?.close();
    this.watcher = undefined;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private schedule(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.reload('file change');
    }, this.options.debounceMs ?? 200);
    this.timer.unref();
  }

  private listenerFailed(err: unknown): void {
    const e = err instanceof Error ? err : new Error(String(err));
    this.options.log.error({ error: e.name, reason: e.message }, 'a TENANTS_FILE change listener failed; the new tenants are in force');
  }
}
