// `npm start` (scripts/start.ts) chooses between the Electron app and `device-login web`: a real phone
// (--lan, --public-url) is the browser host's, so those flags choose it even where Electron is installed.
import { describe, expect, it } from 'vitest';

import { wantsBrowserHost } from '../../scripts/start.ts';

describe('npm start', () => {
  it('sends --lan and --public-url (either spelling) to the browser host, everything else to Electron', () => {
    expect(wantsBrowserHost(['--lan'])).toBe(true);
    expect(wantsBrowserHost(['--kiosk', '--public-url', 'https://tv.example'])).toBe(true);
    expect(wantsBrowserHost(['--public-url=https://tv.example'])).toBe(true);
    expect(wantsBrowserHost([])).toBe(false);
    expect(wantsBrowserHost(['--kiosk', '--issuer', 'https://lan.example'])).toBe(false);
    expect(wantsBrowserHost(['--language'])).toBe(false);
  });
});
