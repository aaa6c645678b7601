// `device-login token`: a valid access token on stdout for scripts (like `gh auth token`). This is the
// one place where device-login prints a token, on purpose, and only to stdout.
import { toDeviceLoginError } from '../../core/errors.ts';
import { commandHelp, parseCommandArgs } from '../args.ts';
import { EXIT, type CliIO } from '../io.ts';
import { createClientContext } from '../setup.ts';
import { endedSentence } from './status.ts';

/** Runs `device-login token`: exit 0 with the token, 1 when not signed in or the refresh failed. */
export async function run(argv: string[], io: CliIO): Promise<number> {
  const flags = parseCommandArgs('token', argv);
  if (flags.help) {
    io.stdout.write(commandHelp('token'));
    return EXIT.ok;
  }
  const ctx = await createClientContext(flags, io, 'token');
  const notSignedIn = () => {
    io.stderr.write(
      `device-login: not signed in to ${ctx.provider.displayName}. Run device-login login to sign in.\n`,
    );
    return EXIT.error;
  };
  // Checked before a session exists, so that a pending sign-in is not resumed (and polled) by `token`.
  const stored = await ctx.store.load(ctx.storeKey);
  if (!stored?.tokens) return notSignedIn();

  const session = ctx.openSession();
  try {
    const restored = await session.restore();
    if (restored.state !== 'signed_in') return notSignedIn();
    const token = await session.accessToken({ forceRefresh: flags.refresh === true });
    io.stdout.write(`${token}\n`);
    return EXIT.ok;
  } catch (err) {
    const error = toDeviceLoginError(err);
    if (error.code === 'aborted') return EXIT.interrupted;
    // The refresh was refused and the sign-in forgotten: say why (signed out from the account page?).
    const after = session.snapshot();
    if (after.state === 'idle' && after.notice) {
      io.stderr.write(`device-login: ${endedSentence(after.notice, ctx.provider.displayName)}\n`);
      return EXIT.error;
    }
    io.stderr.write(`device-login: ${ctx.logger.scrub(error.message)}\n`);
    return EXIT.error;
  } finally {
    await session.close();
  }
}
