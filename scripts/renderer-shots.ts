// Screenshots of every TV screen from the design previews (scripts/preview.ts: the real controller over
// a scripted sign-in service, served by the real browser host), at 1920×1080 and 1280×720, driven with
// the remote's keys only; plus a jsQR decode of the QR code from the screenshot, which must equal the
// code's qrText, and the user code on screen, which must be the device's displayCode as it is.
// Not part of `npm test`:
//   npx vite build -c renderer/vite.config.ts && node scripts/renderer-shots.ts [outDir]
import { chromium, type Page } from '@playwright/test';
import jsqrModule from 'jsqr';
import { mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { Language } from '../host/contract.ts';
import { PREVIEW_NAMES, type PreviewName } from '../host/preview.ts';
import { startPreview, type RunningPreview } from './preview.ts';
import { chromiumPath } from './system-parts.ts';

// jsqr is CommonJS with an `__esModule` default: Node hands over module.exports, the types say `.default`.
type JsQR = typeof jsqrModule.default;
const jsQR: JsQR = typeof (jsqrModule as unknown) === 'function' ? (jsqrModule as unknown as JsQR) : jsqrModule.default;

const OUT = resolve(process.argv[2] ?? '/tmp/tv-shots');

/** Decodes a PNG to RGBA in a blank page (no CSP there), then reads it with jsQR. */
async function decodeQr(decoder: Page, png: Buffer): Promise<string | undefined> {
  const pixels = await decoder.evaluate(async (dataUrl) => {
    const image = new Image();
    image.src = dataUrl;
    await image.decode();
    const canvas = document.createElement('canvas');
    canvas.width = image.width;
    canvas.height = image.height;
    const context = canvas.getContext('2d');
    if (!context) throw new Error('no 2d context');
    context.drawImage(image, 0, 0);
    const { data, width, height } = context.getImageData(0, 0, image.width, image.height);
    let binary = '';
    for (let i = 0; i < data.length; i += 1) binary += String.fromCharCode(data[i] ?? 0);
    return { rgba: btoa(binary), width, height };
  }, `data:image/png;base64,${png.toString('base64')}`);
  const data = new Uint8ClampedArray(Buffer.from(pixels.rgba, 'base64'));
  return jsQR(data, pixels.width, pixels.height)?.data;
}

/** The screens taken in Traditional Chinese too. */
const IN_CHINESE = new Set<PreviewName>(['idle', 'idle-session_ended', 'awaiting_user', 'signed_in', 'signed_in-profile_unavailable', 'expired']);
const SIZES = [
  { width: 1920, height: 1080 },
  { width: 1280, height: 720 },
];

async function main(): Promise<void> {
  await mkdir(OUT, { recursive: true });
  const browser = await chromium.launch({
    executablePath: chromiumPath(),
    args: ['--no-sandbox', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
  const problems: string[] = [];
  const previews: RunningPreview[] = [];
  /** A preview served for this run (closed at the end). */
  const serve = async (name: PreviewName, language: Language = 'en') => {
    const preview = await startPreview(name, { language, logLevel: 'error' });
    previews.push(preview);
    return preview;
  };
  try {
    const decoder = await browser.newPage();
    for (const language of ['en', 'zh-TW'] as const) {
      for (const state of PREVIEW_NAMES) {
        if (language === 'zh-TW' && !IN_CHINESE.has(state)) continue;
        const preview = await serve(state, language);
        const view = preview.controller.getState();
        const suffix = language === 'en' ? '' : `-${language}`;
        for (const size of SIZES) {
          const context = await browser.newContext({ viewport: size, deviceScaleFactor: 1 });
          const page = await context.newPage();
          page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
          page.on('console', (message) => {
            if (message.type() === 'error') problems.push(`${state}${suffix} ${size.width}: console error: ${message.text()}`);
          });
          const shot = async (name: string) => {
            await page.waitForTimeout(500);
            await page.screenshot({ path: join(OUT, `${name}-${size.width}.png`) });
          };
          await page.goto(preview.tvUrl);
          await page.locator(`[data-testid="tv"][data-state="${view.state}"]`).waitFor({ timeout: 5000 });
          if (view.state === 'signed_in') {
            const name = view.profile?.name;
            const welcome = name ? (language === 'en' ? `Welcome, ${name}` : `歡迎，${name}`) : language === 'en' ? 'Welcome' : '歡迎';
            await page.getByTestId('welcome-banner').getByText(welcome, { exact: true }).waitFor();
            const tag = state === 'signed_in' ? '' : `-${state.split('-')[1]}`;
            await shot(`welcome-transition${tag}${suffix}`);
            await page.getByTestId('home').waitFor({ timeout: 5000 });
            await page.locator('.asset-card__poster').first().waitFor();
            if (view.notice) {
              // The notice is a note on Home once the greeting has gone.
              await page.getByTestId('welcome-banner').waitFor({ state: 'detached', timeout: 5000 });
              await page.locator('[data-testid="toast"][data-tone="note"]').waitFor({ timeout: 3000 });
              await shot(`home${tag}${suffix}`);
              await context.close();
              continue;
            }
            await shot(`home${suffix}`);
            // Remote only: down into the first ContentRow, right twice, OK opens the Asset.
            await page.keyboard.press('ArrowDown');
            await page.keyboard.press('ArrowRight');
            await page.keyboard.press('ArrowRight');
            await shot(`home-row${suffix}`);
            await page.keyboard.press('Enter');
            await page.getByTestId('asset-detail').waitFor({ timeout: 3000 });
            await shot(`asset${suffix}`);
            await page.keyboard.press('Escape');
            await page.getByTestId('home').waitFor({ timeout: 3000 });
            const focused = await page.evaluate(() => document.activeElement?.getAttribute('aria-label'));
            if (!focused) problems.push(`${size.width}${suffix}: focus was not restored to the Asset after Back`);
            // Up to the Menu, right to Settings, OK.
            for (let i = 0; i < 3; i += 1) await page.keyboard.press('ArrowUp');
            await page.keyboard.press('ArrowRight');
            await page.keyboard.press('Enter');
            await page.getByTestId('settings').waitFor({ timeout: 3000 });
            await shot(`settings${suffix}`);
            await page.keyboard.press('Backspace');
            await page.getByTestId('home').waitFor({ timeout: 3000 });
            await context.close();
            continue;
          }
          if (view.notice) await page.locator(`.notice[data-notice="${view.notice}"]`).waitFor({ timeout: 3000 });
          await shot(`${state}${suffix}`);
          const active = await page.evaluate(() => document.activeElement?.textContent ?? '');
          if (['idle', 'awaiting_user', 'denied', 'expired', 'error'].includes(view.state) && active === '') {
            problems.push(`${state}${suffix} ${size.width}: nothing focused on arrival`);
          }
          if (view.state === 'awaiting_user' && view.code) {
            const qr = page.getByRole('img', { name: /QR/ });
            const box = await qr.boundingBox();
            if (!box) throw new Error('The QR code is not on screen.');
            const png = await page.screenshot({ clip: { x: box.x - 8, y: box.y - 8, width: box.width + 16, height: box.height + 16 } });
            const decoded = await decodeQr(decoder, png);
            const qrState = decoded === view.code.qrText ? 'ok' : `MISMATCH (${decoded ?? 'nothing decoded'})`;
            console.log(`${state}${suffix} ${size.width}x${size.height}: QR ${Math.round(box.width)} px decodes ${qrState}`);
            if (decoded !== view.code.qrText) problems.push(`${state}${suffix} ${size.width}: QR decode ${qrState}`);
            const code = (await page.getByTestId('user-code').innerText()).replace(/\s/g, '');
            if (code !== view.code.displayCode) problems.push(`${state}: the TV shows ${code}, the device's display code is ${view.code.displayCode}`);
          }
          await context.close();
        }
        // Done with it: a preview left running goes on polling its scripted service.
        await preview.close();
        previews.splice(previews.indexOf(preview), 1);
      }
    }

    // Remote only through a preview that goes on like a device, with what a screen reader hears.
    const idle = await serve('idle');
    const flow = await browser.newPage({ viewport: { width: 1280, height: 720 } });
    await flow.goto(idle.tvUrl);
    await flow.locator('[data-testid="tv"][data-state="idle"]').waitFor();
    await flow.keyboard.press('Enter');
    await flow.locator('[data-testid="tv"][data-state="awaiting_user"]').waitFor({ timeout: 5000 });
    await flow.waitForTimeout(400);
    // OK on the focused "Read code aloud" speaks through speechSynthesis without a page error.
    const flowErrors: string[] = [];
    flow.on('pageerror', (error) => flowErrors.push(error.message));
    const focusedLabel = await flow.evaluate(() => document.activeElement?.textContent ?? '');
    await flow.keyboard.press('Enter');
    await flow.waitForTimeout(300);
    if (!focusedLabel.includes('Read code aloud') || flowErrors.length > 0) {
      problems.push(`Read code aloud: focused "${focusedLabel}", errors ${flowErrors.join('; ')}`);
    }
    const heard = await flow.getByTestId('live-polite').innerText();
    console.log(`live region after Sign in: "${heard}"`);
    if (!heard.includes('W D J B, M J H T')) problems.push(`live region did not announce the code: ${heard}`);
    await flow.keyboard.press('Escape');
    await flow.locator('[data-testid="tv"][data-state="idle"]').waitFor({ timeout: 3000 });
    await flow.close();

    // prefers-reduced-motion: no spinning, no sliding screens.
    const requesting = await serve('requesting');
    const still = await browser.newContext({ viewport: { width: 1280, height: 720 }, reducedMotion: 'reduce' });
    const stillPage = await still.newPage();
    await stillPage.goto(requesting.tvUrl);
    await stillPage.locator('.spinner').waitFor();
    const spin = await stillPage.locator('.spinner').evaluate((node) => getComputedStyle(node).animationName);
    console.log(`reduced motion: spinner animation = ${spin}`);
    if (spin !== 'none') problems.push(`the spinner still spins with reduced motion (${spin})`);
    await still.close();
  } finally {
    await browser.close();
    await Promise.all(previews.map((preview) => preview.close()));
  }
  console.log(`screenshots in ${OUT}`);
  if (problems.length > 0) {
    console.error(problems.join('\n'));
    process.exitCode = 1;
  }
}

await main();
