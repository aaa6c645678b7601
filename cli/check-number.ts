// The proximity check at the terminal (RFC 10027, core/check-number.ts): the code was approved on a
// phone on another network, and the server wants the two-digit number that phone shows. The CLI
// reads it as one line from standard input: typed at the prompt in a terminal, or written by the
// script that runs `login --json` once it sees the line that asks for it. Input that ends before a
// number comes (no terminal and nothing piped in) ends the login with an error instead of waiting
// for a number that cannot come.
import { createInterface, type Interface } from 'node:readline';
import { isCheckNumber } from '../core/check-number.ts';
import type { ProximityCheck } from '../core/types.ts';
import type { CliIO } from './io.ts';

/** Asks for the check number on standard input. */
export interface CheckNumberPrompt {
  /** Asks (again, after a wrong number); the number typed, or undefined when the input ended first. */
  ask(check: ProximityCheck): Promise<string | undefined>;
  /** Lets go of standard input, so that the process can exit. */
  close(): void;
}

/** What the person reads when asked: why, and what to type. */
export function checkNumberQuestion(check: ProximityCheck): string {
  if (check.step !== 'wrong') {
    return '\nYour phone is on another network. To finish, enter the number your phone shows: ';
  }
  const left = check.attemptsLeft;
  const tries = left === undefined ? '' : ` (${left} ${left === 1 ? 'try' : 'tries'} left)`;
  return `That is not the number on your phone${tries}. Enter the number again: `;
}

/** The sentence of the error when standard input ends before a number was read. */
export const NO_CHECK_NUMBER_INPUT =
  'The server asks for the number your phone shows, but standard input ended before it came. Run device-login login in a terminal, or write the number (two digits and a newline) to its standard input.';

/**
 * A prompt over `io.stdin`, opened on the first question only: a login that is never asked does not
 * touch standard input. `human`: the questions go to stderr (with --json they do not: the JSON line
 * with `proximity` is the question). A line that is not two digits is asked for again.
 */
export function createCheckNumberPrompt(io: CliIO, options: { human: boolean }): CheckNumberPrompt {
  let reader: Interface | undefined;
  const lines: string[] = [];
  let ended = false;
  let waiting: ((line: string | undefined) => void) | undefined;

  const settle = (line: string | undefined): void => {
    const resolve = waiting;
    waiting = undefined;
    resolve?.(line);
  };
  const nextLine = (): Promise<string | undefined> => {
    if (!reader) {
      reader = createInterface({ input: io.stdin, terminal: false, crlfDelay: Infinity });
      reader.on('line', (line) => {
        if (waiting) settle(line);
        else lines.push(line);
      });
      reader.on('close', () => {
        ended = true;
        settle(undefined);
      });
    }
    if (lines.length > 0) return Promise.resolve(lines.shift());
    if (ended) return Promise.resolve(undefined);
    return new Promise((resolve) => (waiting = resolve));
  };

  return {
    async ask(check) {
      if (options.human) io.stderr.write(checkNumberQuestion(check));
      for (;;) {
        const line = await nextLine();
        if (line === undefined) return undefined;
        const number = line.trim();
        if (isCheckNumber(number)) return number;
        if (options.human) io.stderr.write('Type the two digits your phone shows, then press Enter: ');
      }
    },
    close() {
      reader?.close();
    },
  };
}
