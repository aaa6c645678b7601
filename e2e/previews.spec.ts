// The design previews in a real browser: the real controller over a scripted sign-in service
// (host/preview.ts), served by the real browser host (scripts/preview.ts), the TV a 1280x720 Chromium
// page. Every preview reaches its screen; the TV shows the device's display code as it is; Welcome
// says that the sign-in has ended (or that the TV was signed out from the account page) and Home that
// the profile could not be loaded, in both languages.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test, type BrowserContext } from '@playwright/test';
import { displayUserCode } from '../core/user-code.ts';
import type { Language } from '../host/contract.ts';
import { PREVIEW_NAMES, type PreviewName } from '../host/preview.ts';
import { messagesFor } from '../renderer/src/i18n/messages.ts';
import { startPreview, type RunningPreview } from '../scripts/preview.ts';
import { CHROMIUM, missingReason } from '../scripts/system-parts.ts';
import { openTv, screen } from './support/screens.ts';

test.setTimeout(120_000);
test.skip(!CHROMIUM.find(), missingReason(CHROMIUM));

let previews: RunningPreview[] = [];
let contexts: BrowserContext[] = [];

test.beforeAll(async () => {
  // The previews serve the built TV app; a fresh checkout has none yet.
  if (!existsSync(join(import.meta.dirname, '..', 'out', 'renderer', 'index.html'))) {
    const { build } = await import('vite');
    await build({ configFile: join(import.meta.dirname, '..', 'renderer', 'vite.config.ts'), logLevel: 'warn' });
  }
});

test.afterEach(async () => {
  for (const context of contexts) await context.close().catch(() => undefined);
  for (const preview of previews) await preview.close();
  previews = [];
  contexts = [];
});

/** The named preview on a TV page, in `language`. */
async function tvShowing(browser: Parameters<typeof openTv>[0], name: PreviewName, language: Language = 'en') {
  const preview = await startPreview(name, { language, logLevel: 'error' });
  previews.push(preview);
  const { context, tv } = await openTv(browser, preview.tvUrl);
  contexts.push(context);
  return { preview, tv };
}

test('every preview brings the TV to the screen it is named after', async ({ browser }) => {
  for (const name of PREVIEW_NAMES) {
    const { tv } = await tvShowing(browser, name);
    await expect(screen(tv), name).toHaveAttribute('data-state', name.split('-')[0]!);
  }
});

test('the TV shows the display code as the device made it: a nine-character code in threes', async ({ browser }) => {
  const { preview, tv } = await tvShowing(browser, 'awaiting_user-message');
  const code = preview.controller.getState().code;
  expect(code?.displayCode).toBe(displayUserCode('FNCDQ6NXL'));
  const shown = tv.getByTestId('user-code');
  await expect(shown).toHaveText('FNC-DQ6-NXL');
  await expect(shown).toHaveAccessibleName('Sign-in code: F N C, D Q 6, N X L');
  // Large, and still beside the QR code rather than under it.
  const [codeBox, qrBox] = [await shown.boundingBox(), await tv.locator('.qr-card').boundingBox()];
  expect(codeBox!.x + codeBox!.width).toBeLessThan(qrBox!.x);
});

for (const language of ['en', 'zh-TW'] as const) {
  const t = messagesFor(language);

  test(`Welcome says that the sign-in has ended (${language})`, async ({ browser }) => {
    const { tv } = await tvShowing(browser, 'idle-session_ended', language);
    await expect(screen(tv)).toHaveAttribute('data-state', 'idle');
    await expect(tv.locator('[role="note"][data-notice="session_ended"]')).toHaveText(t.notice.session_ended);
    await expect(tv.getByTestId('live-polite')).toContainText(t.notice.session_ended);
  });

  test(`Welcome says that the TV was signed out from the account page (${language})`, async ({ browser }) => {
    const { tv } = await tvShowing(browser, 'idle-signed_out_from_account', language);
    await expect(screen(tv)).toHaveAttribute('data-state', 'idle');
    await expect(tv.locator('[role="note"][data-notice="signed_out_from_account"]')).toHaveText(t.notice.signed_out_from_account);
    await expect(tv.getByTestId('live-polite')).toContainText(t.notice.signed_out_from_account);
    await expect(tv.getByRole('button', { name: t.welcome.signIn, exact: true })).toBeFocused();
  });

  test(`Home notes that the profile could not be loaded, once the greeting has gone (${language})`, async ({ browser }) => {
    const { tv } = await tvShowing(browser, 'signed_in-profile_unavailable', language);
    // No name to greet: "Welcome", never "Welcome, ".
    await expect(tv.getByTestId('welcome-banner')).toContainText(t.signedIn.welcomeUnnamed);
    await expect(tv.getByTestId('welcome-banner')).not.toContainText(t.signedIn.welcome(''));
    const note = tv.locator('[data-testid="toast"][data-tone="note"]');
    await expect(note).toHaveText(t.notice.profile_unavailable);
    await expect(tv.getByTestId('welcome-banner')).toHaveCount(0);
    await expect(tv.getByTestId('live-polite')).toHaveText(t.notice.profile_unavailable);
  });
}
