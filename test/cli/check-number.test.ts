// The proximity check at the terminal, in real `device-login login` processes against the embedded
// server: the CLI's requests leave from 127.0.0.2 (DEVICE_LOGIN_LOCAL_ADDRESS, for tests and demos)
// while the phone approves from 127.0.0.1, so the server asks for the number the phone shows. With
// --json a line says so and the number is read from stdin; without any input the login ends with
// exit code 1 instead of waiting for a number that cannot come.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { startServer, type RunningServer } from '../../server/app.ts';
import { Phone, type PhonePage } from '../fixtures/phone.ts';
import { tempDataDir } from '../server/device-helpers.ts';
import { runCli } from './run-cli.ts';

let server: RunningServer;
let data: ReturnType<typeof tempDataDir>;
let home: string;

beforeAll(async () => {
  data = tempDataDir();
  server = await startServer({ port: 0, dataDir: data.dir, interval: 1 });
  home = await mkdtemp(join(tmpdir(), 'device-login-check-number-'));
});
afterAll(async () => {
  await server?.close();
  data?.remove();
  await rm(home, { recursive: true, force: true });
});

let runs = 0;
/** `login` against the embedded server, from another loopback address unless `local` says otherwise. */
function login(extra: string[], options: { stdin: boolean; local?: string }) {
  runs += 1;
  const env = { HOME: home, XDG_CONFIG_HOME: home, DEVICE_LOGIN_LOCAL_ADDRESS: options.local ?? '127.0.0.2' };
  return runCli(['login', '--issuer', server.issuer, '--client-id', 'tv-demo', '--store', join(home, `tokens-${runs}.json`), ...extra], env, { stdin: options.stdin });
}

function shownNumber(page: PhonePage): string {
  expect(page.page).toBe('check-number');
  return (/data-testid="check-number"[^>]*>([\s\S]*?)<\/div>/.exec(page.html)?.[1] ?? '').replace(/<[^>]*>/g, '');
}

const wrong = (number: string) => String((Number(number) + 1) % 100).padStart(2, '0');

describe('device-login login and the check number', () => {
  it('--json says the check number is required and reads it from stdin; a wrong one is said with the tries left', async () => {
    const cli = login(['--json'], { stdin: true });
    const awaiting = await cli.waitForJson((line) => line.state === 'awaiting_user');
    expect(awaiting.proximity).toBeUndefined();
    const number = shownNumber(await new Phone().approve(String(awaiting.verificationUriComplete), server.demoUser!));

    const asked = await cli.waitForJson((line) => (line.proximity as { step?: string } | undefined)?.step === 'needed');
    expect(asked).toMatchObject({ state: 'awaiting_user', userCode: awaiting.userCode, proximity: { step: 'needed', attemptsLeft: 3 } });

    cli.child.stdin!.write(`${wrong(number)}\n`);
    const refused = await cli.waitForJson((line) => (line.proximity as { step?: string } | undefined)?.step === 'wrong');
    expect(refused.proximity).toEqual({ step: 'wrong', attemptsLeft: 2 });

    cli.child.stdin!.write(`${number}\n`);
    expect(await cli.exited).toBe(0);
    const lines = cli.jsonLines();
    expect(lines.at(-1)).toMatchObject({ state: 'signed_in', profile: { email: server.demoUser!.email } });
    expect(lines.filter((line) => (line.proximity as { step?: string } | undefined)?.step === 'checking')).toHaveLength(2);
  });

  it('asks at the prompt on stderr in human mode and reads the typed line', async () => {
    const cli = login(['--no-qr'], { stdin: true });
    // The terminal draws the code letter by letter in a box: "│   R K V L - L J T K   │".
    const drawn = (await cli.waitForStderr(/│\s+([A-Z0-9](?: [A-Z0-9-])+)\s+│/))[1]!;
    const userCode = drawn.replace(/ /g, '');
    const number = shownNumber(await new Phone().approve(`${server.url}/device`, { ...server.demoUser!, userCode }));
    await cli.waitForStderr(/Your phone is on another network\. To finish, enter the number your phone shows: /);
    cli.child.stdin!.write(`${number}\n`);
    expect(await cli.exited).toBe(0);
    expect(cli.stderr()).toMatch(/Signed in to .* as /);
  });

  it('ends with exit code 1 and says why when there is no input to read the number from', async () => {
    const cli = login(['--json'], { stdin: true });
    const awaiting = await cli.waitForJson((line) => line.state === 'awaiting_user');
    cli.child.stdin!.end();
    shownNumber(await new Phone().approve(String(awaiting.verificationUriComplete), server.demoUser!));
    expect(await cli.exited).toBe(1);
    expect(cli.jsonLines().at(-1)).toMatchObject({ state: 'error', code: 'check_number_unavailable' });
    expect(cli.stderr()).toContain('standard input ended before it came');
  });

  it('never asks when the phone is on the device’s network', async () => {
    const cli = login(['--json'], { stdin: false, local: '127.0.0.1' });
    const awaiting = await cli.waitForJson((line) => line.state === 'awaiting_user');
    expect((await new Phone().approve(String(awaiting.verificationUriComplete), server.demoUser!)).page).toBe('success');
    expect(await cli.exited).toBe(0);
    expect(cli.jsonLines().some((line) => line.proximity !== undefined)).toBe(false);
  });
});
