// `device-login token`: a valid access token on stdout for scripts (like `gh auth token`). This is the
// one place where device-login prints a token, on purpose, and only to stdout. The sign-in is checked
// with the server first (as `status` does), so that a device signed out from the account page hears
// it here too rather than handing a script a dead token; --no-check skips that call.
import { toDeviceLoginError } from '../../core/errors.ts';
import { checkSignIn, sessionCheckHeaders, sessionCheckUrl } from '../../host/session-check.ts';
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
    // The token the check used is the one printed: asking the session again could refresh once more
    // (a provider whose tokens live under CLIENT_DEFAULTS.minTokenValidityMs).
    let checkedToken: string | undefined;
    if (flags['no-check'] !== true && flags.refresh !== true) {
      const checked = await checkSignIn(session, ctx.ports.http, sessionCheckUrl(ctx.provider.endpoints, ctx.resourceServer), {
        headers: sessionCheckHeaders(ctx.provider.endpoints, ctx.client),
        ...(io.signal ? { signal: io.signal } : {}),
      });
      // Only a refusal stops here; no answer (offline, a 5xx) still prints the stored token.
      if (checked.outcome === 'ended') {
        io.stderr.write(`device-login: ${endedSentence(session.snapshot().notice, ctx.provider.displayName)}\n`);
        return EXIT.error;
      }
      if (checked.outcome !== 'unknown') checkedToken = checked.accessToken;
    }
    const token = checkedToken ?? (await session.accessToken({ forceRefresh: flags.refresh === true }));
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
