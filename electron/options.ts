// The Electron app's command line: its own switches (--kiosk, --allow-plaintext-token-storage) and the
// provider flags shared with the CLI, handed to host/config.ts (defaults < file < environment < flags).
import { parseArgs } from 'node:util';
import { ENVIRONMENT_VARIABLES } from '../host/config.ts';

/** What the shell was asked to do, before the shared configuration is loaded. */
export interface ShellArguments {
  /** A fullscreen TV alone, no phone window. */
  kiosk: boolean;
  /** Store tokens even where they cannot be protected by a system keyring (named for what it weakens). */
  allowPlaintextTokenStorage: boolean;
  /** Flags for loadConfig, keyed by flag name without dashes. */
  flags: Record<string, string | boolean | undefined>;
}

const TRUE = new Set(['1', 'true', 'yes', 'on']);

/**
 * Reads the shell's switches and the provider flags out of Electron's argv. Unknown switches are
 * ignored, not refused: Chromium and test runners add their own (--inspect=0, --no-sandbox, ...).
 */
export function parseShellArguments(argv: readonly string[], env: Record<string, string | undefined>): ShellArguments {
  const shared: Record<string, { type: 'string' | 'boolean' }> = {};
  for (const { flag } of ENVIRONMENT_VARIABLES) shared[flag.replace(/^--/, '')] = { type: 'string' };
  const { values } = parseArgs({
    args: [...argv],
    options: {
      ...shared,
      'no-long-poll': { type: 'boolean' },
      kiosk: { type: 'boolean' },
      'allow-plaintext-token-storage': { type: 'boolean' },
    },
    strict: false,
    allowPositionals: true,
  });
  const flags: Record<string, string | boolean | undefined> = {};
  for (const name of [...Object.keys(shared), 'no-long-poll']) {
    const value = values[name];
    // In non-strict mode `--issuer` without a value parses as `true`; let loadConfig say what is wrong.
    if (value !== undefined) flags[name] = value === true && name !== 'no-long-poll' ? '' : value;
  }
  const envOptIn = TRUE.has((env.DEVICE_LOGIN_ALLOW_PLAINTEXT_TOKEN_STORAGE ?? '').trim().toLowerCase());
  return {
    kiosk: values.kiosk === true || TRUE.has((env.DEVICE_LOGIN_KIOSK ?? '').trim().toLowerCase()),
    allowPlaintextTokenStorage: values['allow-plaintext-token-storage'] === true || envOptIn,
    flags,
  };
}
