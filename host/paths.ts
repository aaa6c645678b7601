import { homedir } from 'node:os';
import { join } from 'node:path';

/** Where a process looks things up: injectable so that tests never touch the real home directory. */
export interface PathEnvironment {
  env: Record<string, string | undefined>;
  platform?: NodeJS.Platform;
  home?: string;
}

/**
 * The user's configuration directory for device-login: `$XDG_CONFIG_HOME/device-login` (or
 * `~/.config/device-login`) on Linux and other Unixes, `~/Library/Application Support/device-login` on
 * macOS, `%APPDATA%\device-login` on Windows. XDG_CONFIG_HOME wins on every platform when set, because
 * people who set it expect it to be honoured (and tests rely on it).
 */
export function userConfigDir(where: PathEnvironment = { env: process.env }): string {
  const platform = where.platform ?? process.platform;
  const home = where.home ?? where.env.HOME ?? where.env.USERPROFILE ?? homedir();
  const xdg = where.env.XDG_CONFIG_HOME;
  if (xdg && xdg.trim() !== '') return join(xdg, 'device-login');
  if (platform === 'darwin') return join(home, 'Library', 'Application Support', 'device-login');
  if (platform === 'win32') {
    return join(where.env.APPDATA ?? join(home, 'AppData', 'Roaming'), 'device-login');
  }
  return join(home, '.config', 'device-login');
}

/** Default token file: `<config dir>/tokens.json`. */
export function defaultStorePath(where?: PathEnvironment): string {
  return join(userConfigDir(where), 'tokens.json');
}

/** Default configuration file: `<config dir>/config.json`. */
export function defaultConfigPath(where?: PathEnvironment): string {
  return join(userConfigDir(where), 'config.json');
}
