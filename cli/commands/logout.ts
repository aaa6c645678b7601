// `device-login logout`: revoke at the server when it can (RFC 7009), forget locally either way, and
// say plainly when the grant stays live at the provider.
import { commandHelp, parseCommandArgs } from '../args.ts';
import type { SignOutResult } from '../../core/types.ts';
import { EXIT, type CliIO } from '../io.ts';
import { createClientContext } from '../setup.ts';

/** Runs `device-login logout`: exit 0 once nothing is stored any more. */
export async function run(argv: string[], io: CliIO): Promise<number> {
  const flags = parseCommandArgs('logout', argv);
  if (flags.help) {
    io.stdout.write(commandHelp('logout'));
    return EXIT.ok;
  }
  const ctx = await createClientContext(flags, io, 'logout');
  const say = (revoked: boolean, message: string) =>
    io.stdout.write(flags.json ? `${JSON.stringify({ state: 'idle', revoked, message })}\n` : `${message}\n`);

  const stored = await ctx.store.load(ctx.storeKey);
  if (!stored) {
    say(false, `Not signed in to ${ctx.provider.displayName}; nothing to do.`);
    return EXIT.ok;
  }
  const session = ctx.openSession();
  try {
    const restored = await session.restore();
    if (restored.state === 'signed_in') {
      const result = await session.signOut();
      say(result.revoked, signOutWords(result));
      return EXIT.ok;
    }
    // A pending code, or a stale entry: forget it without asking the server anything.
    session.cancel();
    await ctx.store.remove(ctx.storeKey);
    say(false, `Not signed in to ${ctx.provider.displayName}; the pending sign-in was forgotten.`);
    return EXIT.ok;
  } finally {
    await session.close();
  }
}

/** What the terminal says after a sign-out: plainly, whether the grant lives on at the provider and how to end it. */
export function signOutWords(result: SignOutResult): string {
  const where = result.provider;
  if (result.revoked) return `Signed out; ${where} revoked the tokens.`;
  switch (result.notRevoked) {
    case 'unsupported':
      return (
        `Signed out on this device, but ${where} offers no token revocation, so the grant is still live at the ` +
        `provider. To end it, remove this app's access in your account's security or connected-apps settings at ${where}.`
      );
    case 'failed':
      return (
        `Signed out on this device, but revocation failed${result.detail ? ` (${result.detail})` : ''}, so the grant may still be live at ` +
        `the provider. To end it, remove this app's access in your account settings at ${where}.`
      );
    default:
      return 'You were not signed in; nothing to revoke.';
  }
}
