// Validation of what the TV renderer sends over IPC: every invoke's arguments are checked with zod
// before main acts on them. The renderer is sandboxed, but main treats it as untrusted input anyway.
import { z } from 'zod';
import { CHECK_NUMBER_DIGITS, isCheckNumber } from '../core/check-number.ts';
import type { Language } from '../host/contract.ts';
import { INVOKE_CHANNELS, type InvokeName } from './channels.ts';

const noArguments = z.tuple([]);
const language = z.enum(['en', 'zh-TW'] satisfies Language[]);
const checkNumber = z.string().refine(isCheckNumber, `must be ${CHECK_NUMBER_DIGITS} digits`);

/** The argument list each invoke channel accepts. */
export const INVOKE_ARGUMENTS = {
  getState: noArguments,
  signIn: noArguments,
  signInOnThisComputer: noArguments,
  cancel: noArguments,
  newCode: noArguments,
  enterCheckNumber: z.tuple([checkNumber]),
  signOut: noArguments,
  getCatalog: noArguments,
  setLanguage: z.tuple([language]),
} as const satisfies Record<InvokeName, z.ZodType>;

/** A validated bridge call. */
export type BridgeCall =
  | { name: Exclude<InvokeName, 'setLanguage' | 'enterCheckNumber'> }
  | { name: 'setLanguage'; language: Language }
  | { name: 'enterCheckNumber'; checkNumber: string };

/** The outcome of validating one invoke. */
export type ParsedInvoke = { ok: true; call: BridgeCall } | { ok: false; message: string };

const NAMES_BY_CHANNEL = new Map<string, InvokeName>(
  Object.entries(INVOKE_CHANNELS).map(([name, channel]) => [channel, name as InvokeName]),
);

/** Validates an invoke's channel and arguments; the message says what was wrong, never echoing the payload. */
export function parseInvoke(channel: string, args: readonly unknown[]): ParsedInvoke {
  const name = NAMES_BY_CHANNEL.get(channel);
  if (!name) return { ok: false, message: `Unknown IPC channel "${channel.slice(0, 60)}".` };
  const result = INVOKE_ARGUMENTS[name].safeParse(args);
  if (!result.success) {
    const issue = result.error.issues[0];
    const where = issue && issue.path.length ? ` (argument ${issue.path.join('.')})` : '';
    return { ok: false, message: `Invalid arguments for ${name}${where}: ${issue?.message ?? 'not accepted'}.` };
  }
  if (name === 'setLanguage') return { ok: true, call: { name, language: (result.data as [Language])[0] } };
  if (name === 'enterCheckNumber') return { ok: true, call: { name, checkNumber: (result.data as [string])[0] } };
  return { ok: true, call: { name } };
}
