// `device-login status`: who is signed in where, and until when. A stored sign-in is checked with the
// server (userinfo, or the resource server's /api/me; one refresh when the token is refused), so that a
// device signed out from the account page hears it here; a pending sign-in is only read, never polled.
import { commandHelp, parseCommandArgs } from '../args.ts';
import { EXIT, type CliIO } from '../io.ts';
import type { SessionNotice } from '../../core/types.ts';
import { displayUserCode } from '../../core/user-code.ts';
import { checkSignIn, sessionCheckHeaders, sessionCheckUrl } from '../../host/session-check.ts';
import { describeProfile, formatRelative } from '../render.ts';
import { createClientContext, type ClientContext } from '../setup.ts';

/**
 * What `status` and `token` say when the server ended the sign-in: why, when the notice says, and how
 * to sign in again.
 */
export function endedSentence(notice: SessionNotice | undefined, provider: string): string {
  if (notice === 'signed_out_from_account') {
    return 'Signed out: this device was signed out from the account page. Sign in again: device-login login';
  }
  return `Signed out: ${provider} no longer accepts this sign-in (it expired or was revoked). Sign in again: device-login login`;
}

/** What the server said of the stored sign-in. */
type ServerWord =
  /** It holds (the server accepted the token, or its refresh); or there was nowhere to ask (`checked` false). */
  | { kind: 'holds'; checked: boolean }
  /** Refused: the session has forgotten it (the store shows it), with the notice that says why. */
  | { kind: 'ended'; notice: SessionNotice }
  /** No answer that says either: the sign-in is kept, and `why` is told. */
  | { kind: 'unknown'; why: string };

/** Asks the server whether the stored sign-in still holds (host/session-check.ts). */
async function checkWithServer(ctx: ClientContext, signal?: AbortSignal): Promise<ServerWord> {
  const session = ctx.openSession();
  try {
    const restored = await session.restore();
    if (restored.state !== 'signed_in') return { kind: 'holds', checked: false };
    const result = await checkSignIn(session, ctx.ports.http, sessionCheckUrl(ctx.provider.endpoints, ctx.resourceServer), {
      headers: sessionCheckHeaders(ctx.provider.endpoints, ctx.client),
      ...(signal ? { signal } : {}),
    });
    switch (result.outcome) {
      case 'ended':
        return { kind: 'ended', notice: session.snapshot().notice ?? 'session_ended' };
      case 'unknown':
        return { kind: 'unknown', why: ctx.logger.scrub(result.error.message) };
      default:
        return { kind: 'holds', checked: result.outcome === 'holds' };
    }
  } finally {
    await session.close();
  }
}

/** Runs `device-login status`: exit 0 when signed in, 1 when not. */
export async function run(argv: string[], io: CliIO): Promise<number> {
  const flags = parseCommandArgs('status', argv);
  if (flags.help) {
    io.stdout.write(commandHelp('status'));
    return EXIT.ok;
  }
  const ctx = await createClientContext(flags, io, 'status', { usesClientSecret: false });
  const { provider } = ctx;
  let stored = await ctx.store.load(ctx.storeKey);
  const base = { provider: provider.displayName, issuer: provider.endpoints.issuer ?? null, clientId: ctx.client.clientId };
  const out = (line: Record<string, unknown>, human: string) =>
    io.stdout.write(flags.json ? `${JSON.stringify(line)}\n` : `${human}\n`);

  // Opened only for a sign-in: a session restored over a pending code would resume polling it.
  let word: ServerWord | undefined;
  if (stored?.tokens) {
    word = await checkWithServer(ctx, io.signal);
    if (word.kind === 'ended') {
      out({ state: 'idle', ...base, notice: word.notice }, endedSentence(word.notice, provider.displayName));
      return EXIT.error;
    }
    // A refused token may have been renewed by the check: show the set the store holds now.
    stored = await ctx.store.load(ctx.storeKey);
  }
  const now = Date.now();

  const tokens = stored?.tokens;
  if (tokens) {
    const p = stored?.profile;
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
        checked: word?.kind === 'holds' && word.checked,
        // Where the provider's APIs for this sign-in live (Salesforce), when it said.
        ...(tokens.instanceUrl ? { instanceUrl: tokens.instanceUrl } : {}),
      },
      `Signed in to ${provider.displayName} as ${describeProfile(p)}.\n${expiry}` +
        (tokens.instanceUrl ? `\nIts APIs are at ${tokens.instanceUrl}.` : ''),
    );
    // The store's word stands when the server could not be asked; the person is told it was not.
    if (word?.kind === 'unknown') io.stderr.write(`device-login: could not check the sign-in with the server: ${word.why}\n`);
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
