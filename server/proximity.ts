// The proximity check of RFC 10027 (cross-device flows), on the embedded server. Device-code
// phishing works because the person who approves on their phone need not be near the device that
// asked: an attacker requests a code, sends it to someone, and polls for the tokens. So when the phone
// that approves is on another network than the device (server/same-network.ts decides), the approval
// does not release the tokens at once: the phone's success page shows a two-digit check number, and
// the token endpoint answers the device's polls with `check_number_required` until a poll carries
// that number as `check_number`. A wrong number answers `invalid_check_number` with `attempts_left`;
// after CHECK_NUMBER_ATTEMPTS numbers the grant is denied (`access_denied`). Someone holding both
// screens types two digits; an attacker far away has a 3 in 100 chance. Discovery announces it as
// `device_authorization_check_number_supported: true` (the wire names: core/check-number.ts).
//
// Where it is kept: the number goes into the device code's own row (its `deviceInfo`, which
// oidc-provider stores as it is), written by the very save that records the approval, so no poll
// can ever see an approval without its number, and a restart keeps both. The attempts are one row
// per attempt, each claimed with the store's atomic consume-once, so that overlapping polls (or
// several instances on Redis) cannot try more numbers than allowed.
import { randomInt, timingSafeEqual } from 'node:crypto';
import type { Context } from 'koa';
import Provider, { errors, type KoaContextWithOIDC } from 'oidc-provider';

import {
  ATTEMPTS_LEFT_MEMBER,
  CHECK_NUMBER_DIGITS,
  CHECK_NUMBER_METADATA,
  CHECK_NUMBER_PARAM,
  CHECK_NUMBER_REQUIRED,
  INVALID_CHECK_NUMBER,
  isCheckNumber,
} from '../core/check-number.ts';
import type { OidcStore } from './adapters/store.ts';
import { sameNetwork } from './same-network.ts';

/**
 * Check numbers a device may send for one approval before the grant is denied. Three wrong guesses of
 * two digits leave an attacker 3 %, while a person who mistypes once still gets in.
 */
export const CHECK_NUMBER_ATTEMPTS = 3;

/** One store model per attempt, each row keyed by the device code: claimed once, atomically. */
const ATTEMPT_MODELS = Array.from({ length: CHECK_NUMBER_ATTEMPTS }, (_, i) => `CheckNumberAttempt${i + 1}`);

/** Where the number is kept in the device code's `deviceInfo` (oidc-provider records ip and ua there). */
const DEVICE_INFO_KEY = 'checkNumber';

/** ctx.state keys: the number for the success page, and the attempts left for the error body. */
const SHOWN = 'deviceLoginCheckNumber';
const ATTEMPTS_LEFT = 'deviceLoginCheckNumberAttemptsLeft';

/** The device code as oidc-provider's model exposes it (the fields this file reads and writes). */
interface CheckedDeviceCode {
  jti: string;
  exp?: number;
  accountId?: string;
  error?: string;
  errorDescription?: string;
  consumed?: unknown;
  deviceInfo?: Record<string, unknown>;
  readonly isExpired: boolean;
  save(): Promise<string>;
}

/** What server/device-flow.ts asks of the check on every device-code poll. */
export interface ProximityCheck {
  /** The token request parameter the device_code grant must accept. */
  readonly parameter: string;
  /**
   * True for a poll that carries a check number for an approval that needs one: the slow_down
   * ledger does not judge it, because the person typed the number just now (the attempts, not the
   * pace, limit guessing).
   */
  answersCheck(ctx: KoaContextWithOIDC, code: DeviceCodeModel): boolean;
  /**
   * Lets the poll through to the tokens when no check is needed or it carries the right number;
   * otherwise throws the error to answer (check_number_required, invalid_check_number, access_denied).
   */
  verify(ctx: KoaContextWithOIDC, code: DeviceCodeModel): Promise<void>;
}

/** An instance of oidc-provider's DeviceCode model, as the device_code grant found it. */
export type DeviceCodeModel = object;

class CheckNumberRequired extends errors.CustomOIDCProviderError {
  constructor() {
    super(
      CHECK_NUMBER_REQUIRED,
      `approved from another network: send the ${CHECK_NUMBER_DIGITS}-digit number shown on the approving device as ${CHECK_NUMBER_PARAM}`,
    );
  }
}

class InvalidCheckNumber extends errors.CustomOIDCProviderError {
  constructor(left: number) {
    super(INVALID_CHECK_NUMBER, `the check number is wrong; ${left} attempt${left === 1 ? '' : 's'} left`);
  }
}

/** The check number of an approval that needs one, as stored at approval. */
function checkNumberOf(code: CheckedDeviceCode): string | undefined {
  const value = code.deviceInfo?.[DEVICE_INFO_KEY];
  return isCheckNumber(value) ? value : undefined;
}

/** A fresh number from the CSPRNG, leading zeros kept ("07"). */
function newCheckNumber(): string {
  return String(randomInt(0, 10 ** CHECK_NUMBER_DIGITS)).padStart(CHECK_NUMBER_DIGITS, '0');
}

/** The number the success page must show, when this request approved a device on another network. */
export function checkNumberToShow(ctx: Context): string | undefined {
  const value = (ctx.state as Record<string, unknown>)[SHOWN];
  return isCheckNumber(value) ? value : undefined;
}

/**
 * Installs the check on `provider`: decides at every approval, announces the extension in the
 * metadata and adds `attempts_left` to its errors. server/device-flow.ts calls `verify` on polls.
 */
export function installProximityCheck(provider: Provider, store: OidcStore): ProximityCheck {
  // The approval is oidc-provider's own: deviceVerificationResponse sets accountId on the device code
  // and saves it, then draws the success page. The decision must be in that same save (a poll woken by
  // it must find the number), and oidc-provider has no hook before it, so the device code's save is
  // wrapped: a save that carries the phone's approval, in a request of the phone (anything but the
  // token endpoint, where only this file saves a decided code), compares the phone's address with the
  // device's (oidc-provider's deviceInfo.ip, recorded when the code was issued). The request comes
  // from oidc-provider's own AsyncLocalStorage (Provider.ctx), set on every one of its routes, the
  // approving ones included: a store of our own, entered by a middleware on every request, cost each
  // poll and each device authorization a context switch for nothing (bench/server).
  const DeviceCode = provider.DeviceCode as unknown as { prototype: CheckedDeviceCode };
  const save = DeviceCode.prototype.save;
  DeviceCode.prototype.save = async function saveWithProximity(this: CheckedDeviceCode): Promise<string> {
    const ctx = Provider.ctx;
    const route = (ctx as Partial<KoaContextWithOIDC> | undefined)?.oidc?.route;
    if (ctx && route !== 'token' && this.accountId && !this.error && !this.consumed) {
      const known = checkNumberOf(this);
      const deviceIp = typeof this.deviceInfo?.ip === 'string' ? this.deviceInfo.ip : undefined;
      if (known !== undefined || !sameNetwork(deviceIp, ctx.ip)) {
        const checkNumber = known ?? newCheckNumber();
        if (known === undefined) {
          // The attempt rows first: once the approval is saved, a poll may already claim one.
          const expiresIn = Math.max(1, (this.exp ?? 0) - Math.floor(Date.now() / 1000));
          await Promise.all(ATTEMPT_MODELS.map((model) => store.adapterFor(model).upsert(this.jti, {}, expiresIn)));
          this.deviceInfo = { ...this.deviceInfo, [DEVICE_INFO_KEY]: checkNumber };
        }
        (ctx.state as Record<string, unknown>)[SHOWN] = checkNumber;
      }
    }
    return save.call(this);
  };

  /** How many attempt rows are still unclaimed (for `attempts_left` on check_number_required). */
  async function attemptsLeft(jti: string): Promise<number> {
    const rows = await Promise.all(ATTEMPT_MODELS.map((model) => store.adapterFor(model).find(jti)));
    return rows.filter((row) => row && row.consumed === undefined).length;
  }

  /** Claims the first free attempt; its number (1-based), or undefined when all are spent. */
  async function claimAttempt(jti: string): Promise<number | undefined> {
    for (const [index, model] of ATTEMPT_MODELS.entries()) {
      if (await store.consumeOnce(model, jti)) return index + 1;
    }
    return undefined;
  }

  /**
   * Denies the grant: the code is consumed first (atomically), so that a right number arriving at the
   * same moment cannot also exchange it, then saved with the error for anyone who looks it up.
   */
  async function deny(code: CheckedDeviceCode): Promise<never> {
    if (await store.consumeOnce('DeviceCode', code.jti)) {
      code.consumed = Math.floor(Date.now() / 1000);
      code.error = 'access_denied';
      code.errorDescription = 'the check number was entered wrong too many times';
      await code.save();
    }
    throw new errors.AccessDenied('the check number was entered wrong too many times');
  }

  provider.use(async (ctx, next) => {
    await next();
    const body = ctx.body as Record<string, unknown> | undefined;
    if (!body || typeof body !== 'object' || Buffer.isBuffer(body)) return;
    const route = (ctx as Partial<KoaContextWithOIDC>).oidc?.route;
    const left = (ctx.state as Record<string, unknown>)[ATTEMPTS_LEFT];
    if (route === 'discovery' && ctx.status === 200) {
      body[CHECK_NUMBER_METADATA] = true;
    } else if (route === 'token' && (body.error === CHECK_NUMBER_REQUIRED || body.error === INVALID_CHECK_NUMBER) && typeof left === 'number') {
      body[ATTEMPTS_LEFT_MEMBER] = left;
    }
  });

  const needsCheck = (model: DeviceCodeModel): string | undefined => {
    const code = model as CheckedDeviceCode;
    return code.accountId && !code.error && !code.consumed && !code.isExpired ? checkNumberOf(code) : undefined;
  };
  const sent = (ctx: KoaContextWithOIDC): unknown => (ctx.oidc.params as Record<string, unknown> | undefined)?.[CHECK_NUMBER_PARAM];

  return {
    parameter: CHECK_NUMBER_PARAM,

    answersCheck(ctx, code) {
      return needsCheck(code) !== undefined && isCheckNumber(sent(ctx));
    },

    async verify(ctx, model) {
      const code = model as CheckedDeviceCode;
      const expected = needsCheck(code);
      if (expected === undefined) return;
      const given = sent(ctx);
      const state = ctx.state as Record<string, unknown>;
      if (given === undefined || given === '') {
        const left = await attemptsLeft(code.jti);
        if (left === 0) return deny(code);
        state[ATTEMPTS_LEFT] = left;
        throw new CheckNumberRequired();
      }
      // Not a number at all is a broken client, not a guess: no attempt is spent on it.
      if (!isCheckNumber(given)) throw new errors.InvalidRequest(`${CHECK_NUMBER_PARAM} must be ${CHECK_NUMBER_DIGITS} digits`);
      // The attempt is claimed before the comparison, so that every number tried, right or wrong,
      // counts: overlapping polls cannot get more tries than there are rows.
      const attempt = await claimAttempt(code.jti);
      if (attempt === undefined) return deny(code);
      if (timingSafeEqual(Buffer.from(given), Buffer.from(expected))) return;
      const left = CHECK_NUMBER_ATTEMPTS - attempt;
      if (left === 0) return deny(code);
      state[ATTEMPTS_LEFT] = left;
      throw new InvalidCheckNumber(left);
    },
  };
}
