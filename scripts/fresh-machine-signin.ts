// Part of scripts/fresh-machine.sh: one sign-in through the browser host that `npm start` started, as
// a person would make it: Sign in on the TV (the bridge the TV page uses), the code's address opened on
// a phone that goes through the real verification pages with the demo account, and the TV signed in.
//
//   node scripts/fresh-machine-signin.ts URL READY_LINE_JSON
import { approve } from '../test/fixtures/phone.ts';
import type { ViewState } from '../host/contract.ts';

const [url, readyLine] = process.argv.slice(2);
if (!url || !readyLine) throw new Error('usage: fresh-machine-signin.ts URL READY_LINE_JSON');
const ready = JSON.parse(readyLine) as { demoUser?: { email: string; password: string } };
if (!ready.demoUser) throw new Error('the ready line names no demo account');
const origin = new URL(url).origin;

async function state(): Promise<ViewState> {
  return (await (await fetch(`${origin}/bridge/state`)).json()) as ViewState;
}

async function until(what: string, predicate: (s: ViewState) => boolean, ms = 20_000): Promise<ViewState> {
  const deadline = Date.now() + ms;
  for (;;) {
    const s = await state();
    if (predicate(s)) return s;
    if (Date.now() > deadline) throw new Error(`${what}: still ${s.state} after ${ms} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

const post = await fetch(`${origin}/bridge/sign-in`, {
  method: 'POST',
  headers: { origin, 'content-type': 'application/json' },
  body: '{}',
});
if (post.status !== 202) throw new Error(`Sign in was refused: HTTP ${post.status}`);
const shown = await until('a code on the TV', (s) => s.state === 'awaiting_user');
const address = shown.code?.qrText ?? '';
console.log(`fresh-machine: the TV shows a code; the phone opens ${address}`);
const page = await approve(address, ready.demoUser);
console.log(`fresh-machine: the phone ends on its ${page.page} page`);
const done = await until('the TV signed in', (s) => s.state === 'signed_in');
console.log(`fresh-machine: the TV is signed in as ${done.profile?.name ?? '(no name)'}`);
