// core/ reads time only through the Clock port, yet may parse a date a server sent: the lint rule
// bans the clock, not all of Date. Checked through ESLint's own Node API with the project's config.
import { ESLint } from 'eslint';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..', '..');
const eslint = new ESLint({ cwd: ROOT });
const CLOCK = 'core/ reads time only through the Clock port.';

/** The lint messages for `code` as if it were a file in core/. */
async function problems(code: string, filePath = 'core/example.ts'): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath });
  return (result?.messages ?? []).map((message) => message.message);
}

describe('the clock rule of core/', () => {
  it.each([
    ['Date.now()', 'export const now = Date.now();'],
    ['Date.now as a value', 'export const now = Date.now;'],
    ['new Date()', 'export const now = new Date();'],
    ['new Date without parentheses', 'export const now = new Date;'],
    ['Date() as a function', 'export const now = Date();'],
    ['performance.now()', 'export const now = performance.now();'],
  ])('reports reading the time with %s', async (_name, code) => {
    expect(await problems(code)).toEqual([expect.stringContaining(CLOCK)]);
  });

  it.each([
    ['Date.parse of an HTTP-date', "export const at = Date.parse('Sun, 06 Nov 1994 08:49:37 GMT');"],
    ['new Date of an instant from the Clock port', 'export const at = (ms: number) => new Date(ms);'],
    ['Date.UTC', 'export const at = Date.UTC(1994, 10, 6);'],
  ])('allows %s, which reads no clock', async (_name, code) => {
    expect(await problems(code)).toEqual([]);
  });

  it('leaves the clock to the layers outside core/', async () => {
    expect(await problems('export const now = Date.now();', 'host/example.ts')).toEqual([]);
  });
});
