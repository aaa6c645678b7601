// `device-login status`: who is signed in where, and until when. Reads the store only: no polling,
// no refresh, no request except discovery.
import { commandHelp, parseCommandArgs } from '../args.ts';
import { EXIT, type CliIO } from '../io.ts';
import { displayUserCode } from '../../core/user-code.ts';
import { describeProfile, formatRelative } from '../render.ts';
import { createClientContext } from '../setup.ts';

/** Runs `device-login status`: exit 0 when signed in, 1 when not. */
export async function run(argv: string[], io: CliIO): Promise<number> {
  const flags = parseCommandArgs('status', argv);
  if (flags.help) {
    io.stdout.write(commandHelp('status'));
    return EXIT.ok;
  }
  const ctx = await createClientContext(flags, io, 'status', { usesClientSecret: false });
  const { provider } = ctx;
  const stored = await ctx.store.load(ctx.storeKey);
  const now = Date.now();
  const base = { provider: provider.displayName, issuer: provider.endpoints.issuer ?? null, clientId: ctx.client.clientId };
  const out = (line: Record<string, unknown>, human: string) =>
    io.stdout.write(flags.json ? `${JSON.stringify(line)}\n` : `${human}\n`);

  const tokens = stored?.tokens;
  if (tokens) {
    const p = stored.profile;
    const expiresAt = tokens.expiresAt;
    const refreshable = Boolean(tokens.refreshToken);
    const expiry =
      expiresAt === undefined
        ? 'The access token has no stated expiry.'
        : expiresAt > now
          ? `The access token expires ${formatRelative(expiresAt - now)} (${new Date(expiresAt).toISOString()}).`
          : `The access token expired ${formatRelative(expiresAt - now)}${refreshable ? '; device-login token renews it' : '; sign in again'}.`;
    out(
      {
        state: 'signed_in',
        ...base,
        profile: p ? { sub: p.sub, name: p.name ?? null, email: p.email ?? null } : null,
        tokenExpiresAt: expiresAt !== undefined ? new Date(expiresAt).toISOString() : null,
        refreshable,
        scope: tokens.scope ?? null,
      },
      `Signed in to ${provider.displayName} as ${describeProfile(p)}.\n${expiry}`,
    );
    return EXIT.ok;
  }
  const pending = stored?.pending;
  if (pending && pending.expiresAt > now) {
    out(
      {
        state: 'awaiting_user',
        ...base,
        userCode: pending.userCode,
        verificationUri: pending.verificationUri,
        expiresAt: new Date(pending.expiresAt).toISOString(),
      },
      `Not signed in to ${provider.displayName}; a sign-in is in progress (code ${displayUserCode(pending.userCode)} at ` +
        `${pending.verificationUri}, valid ${formatRelative(pending.expiresAt - now).replace(/^in/, 'for')}). ` +
        'Run device-login login to continue it.',
    );
    return EXIT.error;
  }
  out({ state: 'idle', ...base }, `Not signed in to ${provider.displayName}. Run device-login login to sign in.`);
  return EXIT.error;
}
