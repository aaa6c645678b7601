// Screenshots of every TV screen from the design preview (`?preview=<state>`), at 1920×1080 and
// 1280×720, driven with the remote's keys only; plus a jsQR decode of the QR code from the
// screenshot, which must equal the code's qrText. Not part of `npm test`:
//   npx vite build -c renderer/vite.config.ts && node scripts/renderer-shots.ts [outDir]
import { chromium, type Page } from '@playwright/test';
import jsqrModule from 'jsqr';
import { createServer, type Server } from 'node:http';
import { mkdir, readFile } from 'node:fs/promises';
import { extname, join, normalize, resolve } from 'node:path';

// jsqr is CommonJS with an `__esModule` default: Node hands over module.exports, the types say `.default`.
type JsQR = typeof jsqrModule.default;
const jsQR: JsQR = typeof (jsqrModule as unknown) === 'function' ? (jsqrModule as unknown as JsQR) : jsqrModule.default;

const ROOT = resolve(import.meta.dirname, '..', 'out', 'renderer');
const OUT = resolve(process.argv[2] ?? '/tmp/tv-shots');
const EXPECTED_QR = 'https://login.example.com/device?user_code=WDJB-MJHT';
const TYPES: Record<string, string> = { '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css', '.svg': 'image/svg+xml' };

/** A static file server for the built renderer on a free loopback port. */
async function serve(): Promise<{ server: Server; url: string }> {
  const server = createServer((request, response) => {
    const path = normalize(decodeURIComponent(new URL(request.url ?? '/', 'http://x').pathname)).replace(/^(\.\.[/\\])+/, '');
    const file = join(ROOT, path === '/' ? 'index.html' : path);
    readFile(file).then(
      (body) => {
        response.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream' });
        response.end(body);
      },
      () => {
        response.writeHead(404);
        response.end();
      },
    );
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const address = server.address();
  if (!address || typeof address === 'string') throw new Error('The static server has no port.');
  return { server, url: `http://127.0.0.1:${address.port}/` };
}

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

const STATES = ['idle', 'requesting', 'awaiting_user', 'awaiting_user-retrying', 'awaiting_user-message', 'signed_in', 'denied', 'expired', 'error'];
const SIZES = [
  { width: 1920, height: 1080 },
  { width: 1280, height: 720 },
];

async function main(): Promise<void> {
  await mkdir(OUT, { recursive: true });
  const { server, url } = await serve();
  const browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
  const problems: string[] = [];
  try {
    const decoder = await browser.newPage();
    for (const size of SIZES) {
      const context = await browser.newContext({ viewport: size, deviceScaleFactor: 1 });
      const page = await context.newPage();
      page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
      page.on('console', (message) => {
        // The preview first asks for a real bridge; this static server has none and says 404.
        if (message.type() === 'error' && !message.location().url.includes('/bridge/')) problems.push(`console error: ${message.text()}`);
      });
      const shot = async (name: string) => {
        await page.waitForTimeout(500);
        await page.screenshot({ path: join(OUT, `${name}-${size.width}.png`) });
      };
      for (const language of ['en', 'zh-TW']) {
        for (const state of STATES) {
          if (language === 'zh-TW' && !['idle', 'awaiting_user', 'signed_in', 'expired'].includes(state)) continue;
          const suffix = language === 'en' ? '' : `-${language}`;
          await page.goto(`${url}?preview=${state}&lang=${language}`);
          const flowState = state.split('-')[0];
          await page.locator(`[data-testid="tv"][data-state="${flowState}"]`).waitFor({ timeout: 5000 });
          if (state === 'signed_in') {
            await page.getByTestId('welcome-banner').getByText(language === 'en' ? 'Welcome, Ada Lovelace' : '歡迎，Ada Lovelace').waitFor();
            await shot(`welcome-transition${suffix}`);
            await page.getByTestId('home').waitFor({ timeout: 5000 });
            await page.locator('.asset-card__poster').first().waitFor();
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
            continue;
          }
          await shot(`${state}${suffix}`);
          const active = await page.evaluate(() => document.activeElement?.textContent ?? '');
          if (['idle', 'awaiting_user', 'denied', 'expired', 'error'].includes(flowState ?? '') && active === '') {
            problems.push(`${state}${suffix} ${size.width}: nothing focused on arrival`);
          }
          if (flowState === 'awaiting_user') {
            const qr = page.getByRole('img', { name: /QR/ });
            const box = await qr.boundingBox();
            if (!box) throw new Error('The QR code is not on screen.');
            const png = await page.screenshot({ clip: { x: box.x - 8, y: box.y - 8, width: box.width + 16, height: box.height + 16 } });
            const decoded = await decodeQr(decoder, png);
            const qrState = decoded === EXPECTED_QR ? 'ok' : `MISMATCH (${decoded ?? 'nothing decoded'})`;
            console.log(`${state}${suffix} ${size.width}x${size.height}: QR ${Math.round(box.width)} px decodes ${qrState}`);
            if (decoded !== EXPECTED_QR) problems.push(`${state}${suffix} ${size.width}: QR decode ${qrState}`);
            const code = await page.getByTestId('user-code').innerText();
            if (code.replace(/\s/g, '') !== 'WDJB-MJHT') problems.push(`${state}: user code shows ${code}`);
          }
        }
      }
      await context.close();
    }

    // Remote only through the preview's flow, with what a screen reader hears along the way.
    const flow = await browser.newPage({ viewport: { width: 1280, height: 720 } });
    await flow.goto(`${url}?preview=idle`);
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
    const still = await browser.newContext({ viewport: { width: 1280, height: 720 }, reducedMotion: 'reduce' });
    const stillPage = await still.newPage();
    await stillPage.goto(`${url}?preview=requesting`);
    await stillPage.locator('.spinner').waitFor();
    const spin = await stillPage.locator('.spinner').evaluate((node) => getComputedStyle(node).animationName);
    console.log(`reduced motion: spinner animation = ${spin}`);
    if (spin !== 'none') problems.push(`the spinner still spins with reduced motion (${spin})`);
    await still.close();
  } finally {
    await browser.close();
    server.close();
  }
  console.log(`screenshots in ${OUT}`);
  if (problems.length > 0) {
    console.error(problems.join('\n'));
    process.exitCode = 1;
  }
}

await main();
