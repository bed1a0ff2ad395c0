import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';

/** What `cron-observer login` saves. */
export interface SavedConfig {
  url?: string;
  token?: string;
  email?: string;
  expires_at?: string;
  /** Default project (name or id). */
  project?: string;
}

/** `CRON_OBSERVER_CONFIG`, else `$XDG_CONFIG_HOME/cron-observer/config.json` (default ~/.config). */
export function configPath(): string {
  if (process.env.CRON_OBSERVER_CONFIG) return process.env.CRON_OBSERVER_CONFIG;
  const base = process.env.XDG_CONFIG_HOME || join(homedir(), '.config');
  return join(base, 'cron-observer', 'config.json');
}

export function loadConfig(path = configPath()): SavedConfig {
  if (!existsSync(path)) return {};
  try {
    const parsed = JSON.parse(readFileSync(path, 'utf8')) as unknown;
    return parsed && typeof parsed === 'object' ? (parsed as SavedConfig) : {};
  } catch (error) {
    throw new Error(`${path} is not valid JSON (${error instanceof Error ? error.message : String(error)}); fix or delete it`);
  }
}

/** Writes the config readable by its owner only (it holds a session token). */
export function saveConfig(config: SavedConfig, path = configPath()): void {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  writeFileSync(path, `${JSON.stringify(config, null, 2)}\n`, { mode: 0o600 });
  chmodSync(path, 0o600);
}
