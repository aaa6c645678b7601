// Opening the system browser, and knowing when none can run here. A browser that cannot be opened
// is not fatal: the address is always printed too. DEVICE_LOGIN_OPEN_COMMAND is for tests and tools
// only: the command (one executable, no arguments) is run with the address as its one argument.
import { spawn } from 'node:child_process';

/** The test hook: a command that opens an address in place of the system browser. */
export const OPEN_COMMAND_VARIABLE = 'DEVICE_LOGIN_OPEN_COMMAND';

/**
 * Why no browser can finish a sign-in on this machine, or undefined when one can: in an SSH session
 * the browser would run on another machine, which cannot reach this one's loopback redirect; on
 * Linux and the BSDs, no display to show one on.
 */
export function whyNoBrowser(env: Record<string, string | undefined>, platform: NodeJS.Platform = process.platform): string | undefined {
  if (env.SSH_CONNECTION || env.SSH_TTY) return 'this is an SSH session';
  if (platform !== 'darwin' && platform !== 'win32' && !env.DISPLAY && !env.WAYLAND_DISPLAY) return 'there is no display (DISPLAY and WAYLAND_DISPLAY are unset)';
  return undefined;
}

/** The command and arguments that open `url` on `platform`. */
function opener(url: string, env: Record<string, string | undefined>, platform: NodeJS.Platform): [string, string[]] {
  const hook = env[OPEN_COMMAND_VARIABLE];
  if (hook) return [hook, [url]];
  if (platform === 'darwin') return ['open', [url]];
  // Not `cmd /c start`: cmd would read the & between query parameters as a command separator.
  if (platform === 'win32') return ['rundll32', ['url.dll,FileProtocolHandler', url]];
  return ['xdg-open', [url]];
}

/** Opens `url` in the system browser; resolves false (never throws) when the opener cannot be started or fails. */
export function openBrowser(url: string, env: Record<string, string | undefined>, platform: NodeJS.Platform = process.platform): Promise<boolean> {
  const [command, args] = opener(url, env, platform);
  return new Promise((resolve) => {
    let child;
    try {
      child = spawn(command, args, { stdio: 'ignore', detached: platform !== 'win32', env: env as NodeJS.ProcessEnv });
    } catch {
      resolve(false);
      return;
    }
    child.once('error', () => resolve(false));
    // xdg-open returns once it has handed the address over; a browser started by it lives on.
    child.once('exit', (code) => resolve(code === 0));
    child.unref();
  });
}
