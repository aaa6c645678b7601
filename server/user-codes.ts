// User codes as the embedded server issues them: unique among live codes, and the proof carried by
// verification_uri_complete that the server made that link for that code.
//
// oidc-provider draws a user code at random and stores it without looking: two live device codes
// could share one, and a lookup by user code would then find one of them, perhaps not the one the
// person's TV shows. The DeviceCode adapter is wrapped so that a new code whose user code is taken by
// a live one gets another before it is stored (the answer to the device is corrected to match).
// The live codes are known from an index in memory of every code this process stores: the check and
// the claim happen in one synchronous step, with no store query on the way (asking the store for
// every new code halved the rate of device authorizations, bench/server). Codes stored by another
// instance sharing the store, or before a restart, are not seen: a repeat with one of those is left
// to chance, about one in 10^7 per new code at a thousand live codes of 20^8.
import { createHmac, randomInt, timingSafeEqual } from 'node:crypto';

import { errors, type Adapter, type AdapterPayload } from 'oidc-provider';

/** RFC 8628 §6.1: base-20 without vowels (no words can be spelled) and without look-alike characters. */
export const USER_CODE_CHARSET = 'BCDFGHJKLMNPQRSTVWXZ';
/** Eight characters shown in two groups: 20^8 ≈ 2.6e10 codes, 34.6 bits. */
export const USER_CODE_MASK = '****-****';

/** A random user code for `mask`, normalised (no separators), as oidc-provider stores it. */
export function generateUserCode(mask: string = USER_CODE_MASK): string {
  let code = '';
  for (const symbol of mask) if (symbol === '*') code += USER_CODE_CHARSET[randomInt(USER_CODE_CHARSET.length)];
  return code;
}

/** A normalised user code laid out on `mask` (WDJBMJHT -> WDJB-MJHT), as the device is told it. */
export function formatUserCode(normalised: string, mask: string = USER_CODE_MASK): string {
  const chars = [...normalised];
  return [...mask].map((symbol) => (symbol === '*' ? (chars.shift() ?? '') : symbol)).join('');
}

/** oidc-provider's normal form of a typed code: ASCII upper case, non-word characters dropped. */
export function normaliseUserCode(input: string): string {
  return input.replace(/[a-z]/g, (c) => c.toUpperCase()).replace(/\W/g, '');
}

/** Answered when no free user code was found in a few draws: the code space is nearly full. */
class NoFreeUserCode extends errors.OIDCProviderError {
  constructor() {
    super(503, 'temporarily_unavailable');
    this.error_description = 'no free user code could be issued; try again later';
    // A 503 is our own state, not a bug: say it to the client instead of a generic server_error.
    this.expose = true;
  }
}

export interface UniqueUserCodes {
  /** Wraps oidc-provider's adapter of `model`; only DeviceCode is changed. */
  wrap(model: string, adapter: Adapter): Adapter;
  /** The user code a device code was stored with when a collision made it differ from the one drawn (given once). */
  takeReplacement(deviceCode: string): string | undefined;
}

/** A device code as first stored: not yet confirmed, decided, or exchanged. */
function isFresh(payload: AdapterPayload): boolean {
  return !payload.inFlight && !payload.accountId && !payload.error && !payload.consumed;
}

/** Creates the user-code uniqueness wrapper for codes drawn on `mask`. */
export function uniqueUserCodes(mask: string = USER_CODE_MASK, maxDraws = 10): UniqueUserCodes {
  const replacements = new Map<string, string>();
  /** Live user codes: which device code holds each, until when (epoch ms). */
  const live = new Map<string, { id: string; until: number }>();
  let claimsSincePrune = 0;

  const takenByAnother = (id: string, userCode: string, now: number): boolean => {
    const holder = live.get(userCode);
    return holder !== undefined && holder.until > now && holder.id !== id;
  };
  const claim = (id: string, userCode: string, until: number): void => {
    live.set(userCode, { id, until });
    // Expired entries go now and then, so the index holds about the live codes and no more.
    if (++claimsSincePrune >= 1000) {
      claimsSincePrune = 0;
      const now = Date.now();
      for (const [code, holder] of live) if (holder.until <= now) live.delete(code);
    }
  };
  const untilOf = (payload: AdapterPayload, expiresIn = 0): number =>
    typeof payload.exp === 'number' ? payload.exp * 1000 : Date.now() + expiresIn * 1000;

  return {
    wrap(model, adapter) {
      if (model !== 'DeviceCode') return adapter;
      /**
       * The rare path: the letters are held under another id. A code found through its user code comes
       * back under another handle (adapters/store.ts), so a code saved again after its hold ran out may
       * be this very one: the store says so. Otherwise new letters are drawn, synchronously.
       */
      const redrawOrKeep = async (id: string, payload: AdapterPayload, expiresIn: number | undefined, now: number) => {
        if ((await adapter.find(id)) === undefined) {
          let draws = 0;
          while (takenByAnother(id, payload.userCode as string, now)) {
            draws += 1;
            if (draws > maxDraws) throw new NoFreeUserCode();
            payload.userCode = generateUserCode(mask);
            replacements.set(id, payload.userCode);
            // Taken at once by the response; a cap in case a response never came to take it.
            if (replacements.size > 1000) replacements.delete(replacements.keys().next().value as string);
          }
        }
        claim(id, payload.userCode as string, untilOf(payload, expiresIn));
        await adapter.upsert(id, payload, expiresIn);
      };
      return {
        // Delegated one by one: a store's adapter may keep its methods on a prototype.
        find: (id) => adapter.find(id),
        findByUserCode: (userCode) => adapter.findByUserCode(userCode),
        findByUid: (uid) => adapter.findByUid(uid),
        consume: (id) => adapter.consume(id),
        destroy: (id) => adapter.destroy(id),
        revokeByGrantId: (grantId) => adapter.revokeByGrantId(grantId),
        upsert(id, payload, expiresIn) {
          const userCode = payload.userCode;
          if (typeof userCode !== 'string' || !isFresh(payload)) return adapter.upsert(id, payload, expiresIn);
          const now = Date.now();
          if (!takenByAnother(id, userCode, now)) {
            claim(id, userCode, untilOf(payload, expiresIn));
            return adapter.upsert(id, payload, expiresIn);
          }
          return redrawOrKeep(id, payload, expiresIn, now);
        },
      };
    },
    takeReplacement(deviceCode) {
      const code = replacements.get(deviceCode);
      replacements.delete(deviceCode);
      return code;
    },
  };
}

/**
 * 48 bits: a link with a wrong proof is simply counted as a typed guess, so the proof only has to be
 * out of reach of the guessing budget; short, so that the QR code keeps its size (version 4 at error
 * correction M for the usual addresses, as without it).
 */
const LINK_PROOF_BYTES = 6;

function linkMac(key: string, userCode: string): Buffer {
  return createHmac('sha256', key).update(`verification-link:${normaliseUserCode(userCode)}`).digest().subarray(0, LINK_PROOF_BYTES);
}

/**
 * The proof that verification_uri_complete carries (`k`): a MAC of the user code under the server's
 * cookie key. Code entry lets a browser that opened such a link past the guessing limits of its
 * address, since the link came from the device's screen, not from guessing.
 */
export function verificationLinkProof(keys: readonly string[], userCode: string): string {
  const [key] = keys;
  if (!key) throw new Error('no cookie key to sign verification links with');
  return linkMac(key, userCode).toString('base64url');
}

/** True when `proof` is the link proof of `userCode` under any of `keys` (rotation). */
export function checkVerificationLinkProof(keys: readonly string[], userCode: string, proof: string): boolean {
  const given = Buffer.from(proof, 'base64url');
  if (given.length !== LINK_PROOF_BYTES) return false;
  return keys.some((key) => timingSafeEqual(linkMac(key, userCode), given));
}
