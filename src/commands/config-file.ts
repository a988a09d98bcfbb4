import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { Argv } from 'yargs';
import yargs from 'yargs/yargs';
import { UsageError } from '../errors';
import { COMMANDS } from './index';
import { globalFlags } from './flags';

export const CONFIG_FILE = 'migrate.config.json';

/** `--config FILE`, else migrate.config.json in the current folder when there is one. */
export function configPath(argv: readonly string[], cwd: string): string | undefined {
  const i = argv.findIndex((a) => a === '--config' || a.startsWith('--config='));
  if (i >= 0) {
    const value = argv[i].includes('=') ? argv[i].slice('--config='.length) : argv[i + 1];
    if (!value || value.startsWith('-')) throw new UsageError('--config needs a file name', `e.g. --config ${CONFIG_FILE}`);
    return path.resolve(cwd, value);
  }
  const here = path.join(cwd, CONFIG_FILE);
  return existsSync(here) ? here : undefined;
}

/** The file's settings: a JSON object whose keys are flags in camelCase (`migrationsDir`, `lockTimeout`). */
export function readConfig(file: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new UsageError(`cannot read the config file ${file}: ${(err as Error).message}`, 'it holds one JSON object, e.g. {"migrationsDir": "sql", "lockTimeout": "2s"}', { cause: err });
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new UsageError(`the config file ${file} does not hold a JSON object`, 'e.g. {"migrationsDir": "sql", "lockTimeout": "2s"}');
  }
  return value as Record<string, unknown>;
}

export const camel = (flag: string) => flag.replace(/-([a-z])/g, (_m, c: string) => c.toUpperCase());

/**
 * The settings the chosen command takes (`flags`: its options, kebab-case). A key that is a
 * flag of another command only is left out (a project's file serves every command); a key
 * that is no flag of any command is an error, so a typo does not silently change nothing.
 */
export function settingsFor(config: Record<string, unknown>, flags: ReadonlySet<string>, anyFlag: () => ReadonlySet<string>, file: string): Record<string, unknown> {
  const known = new Set([...flags].map(camel));
  const mine = Object.keys(config).filter((k) => known.has(k));
  const others = Object.keys(config).filter((k) => !known.has(k) && k !== 'config');
  if (others.length) {
    const everywhere = new Set([...anyFlag()].map(camel));
    const unknown = others.filter((k) => !everywhere.has(k));
    if (unknown.length) {
      throw new UsageError(`the config file ${file} has unknown key${unknown.length > 1 ? 's' : ''} ${unknown.map((k) => `"${k}"`).join(', ')}`,
        'keys are flags in camelCase, e.g. "migrationsDir", "databaseUrl", "lockTimeout" (see migrate --help)');
    }
  }
  return Object.fromEntries(mine.map((k) => [k, config[k]]));
}

/** The config file of this invocation, read before the flags are parsed; its error is kept for the one wrapper to report. */
export interface LoadedConfig {
  file?: string;
  values?: Record<string, unknown>;
  error?: Error;
}

export function loadConfig(argv: readonly string[], cwd: string): LoadedConfig {
  try {
    const file = configPath(argv, cwd);
    return file ? { file, values: readConfig(file) } : {};
  } catch (err) {
    return { error: err as Error };
  }
}

/**
 * Gives the command's parser the file's settings as its defaults: flags typed on the command
 * line win over them, and they win over the environment (DATABASE_URL, PG*), read later.
 */
export function applyConfig<T>(y: Argv<T>, config: LoadedConfig): Argv<T> {
  if (!config.values || config.error) return y;
  try {
    const flags = optionKeys(y);
    return y.config(settingsFor(config.values, flags, allFlags, config.file!));
  } catch (err) {
    config.error = err as Error;
    return y;
  }
}

/** Every command's flags (loads every command module: only when a key is not the chosen command's). */
function allFlags(): Set<string> {
  const out = new Set<string>();
  for (const c of COMMANDS) for (const k of optionKeys(c.load().builder(globalFlags(yargs([]))))) out.add(k);
  return out;
}

/** The options a parser knows (getOptions is yargs API its typings leave out). */
function optionKeys(y: Argv<unknown>): Set<string> {
  return new Set(Object.keys((y as unknown as { getOptions(): { key: Record<string, unknown> } }).getOptions().key));
}
