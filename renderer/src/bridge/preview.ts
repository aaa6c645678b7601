// DESIGN PREVIEW ONLY. A bridge with fixed example states and an invented catalogue, used when the
// page is opened with `?preview=<state>` and no real bridge (Electron preload) is present. It exists
// for design work and the screenshot script; it never talks to a device, a server or a provider.
import type { Asset, Catalog, ContentRow, DeviceBridge, FlowState, Language, ViewState } from '../../../host/contract.ts';

/** The example screens `?preview=` accepts. */
export const PREVIEW_NAMES = [
  'idle',
  'requesting',
  'awaiting_user',
  'awaiting_user-retrying',
  'awaiting_user-message',
  'signed_in',
  'signing_out',
  'denied',
  'expired',
  'error',
] as const;
export type PreviewName = (typeof PREVIEW_NAMES)[number];

/** True when `name` is one of the example screens. */
export function isPreviewName(name: string | null): name is PreviewName {
  return name !== null && (PREVIEW_NAMES as readonly string[]).includes(name);
}

const PREVIEW_CODES = ['WDJBMJHT', 'KQPXRVTN', 'HCMZLWDF'];

function exampleCode(index: number, now: number, withMessage: boolean): NonNullable<ViewState['code']> {
  const userCode = PREVIEW_CODES[index % PREVIEW_CODES.length] ?? 'WDJBMJHT';
  const grouped = `${userCode.slice(0, 4)}-${userCode.slice(4)}`;
  const verificationUri = 'https://login.example.com/device';
  const verificationUriComplete = `${verificationUri}?user_code=${grouped}`;
  return {
    userCode,
    displayCode: grouped,
    verificationUri,
    verificationUriComplete,
    qrText: verificationUriComplete,
    issuedAt: now - 42_000,
    expiresAt: now - 42_000 + 600_000,
    interval: 5,
    ...(withMessage
      ? {
          message: `To sign in, use a web browser to open the page ${verificationUri} and enter the code ${grouped} to authenticate.`,
        }
      : {}),
  };
}

function exampleState(name: PreviewName, language: Language, codeIndex: number): ViewState {
  const now = Date.now();
  const base = {
    provider: { name: 'Device Login demo server', issuer: 'https://login.example.com/' },
    language,
    hostNow: now,
  };
  const state = (name.split('-')[0] ?? 'idle') as FlowState;
  switch (name) {
    case 'awaiting_user':
    case 'awaiting_user-message':
    case 'awaiting_user-retrying':
      return {
        ...base,
        state,
        network: name === 'awaiting_user-retrying' ? 'retrying' : 'online',
        code: exampleCode(codeIndex, now, name === 'awaiting_user-message'),
        autoRenewalsLeft: 2,
      };
    case 'expired':
      return { ...base, state, code: { ...exampleCode(codeIndex, now, false), expiresAt: now - 1000 }, autoRenewalsLeft: 0 };
    case 'signed_in':
      return { ...base, state, profile: { sub: 'demo-user-1', name: 'Ada Lovelace', email: 'ada@example.com' } };
    case 'denied':
      return { ...base, state, error: { code: 'access_denied' } };
    case 'error':
      return { ...base, state, error: { code: 'invalid_client' } };
    default:
      return { ...base, state };
  }
}

const HUES = [212, 338, 28, 162, 266, 190, 8, 48, 120, 300];

/** An invented poster: a 2:3 SVG with a gradient sky, a sun and hills (the UI writes the title). */
function posterFor(index: number): string {
  const hue = HUES[index % HUES.length] ?? 212;
  const second = (hue + 40) % 360;
  const sunY = 170 + ((index * 37) % 120);
  const svg =
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 400 600">` +
    `<defs><linearGradient id="g" x1="0" y1="0" x2="0" y2="1">` +
    `<stop offset="0" stop-color="hsl(${hue} 70% 42%)"/><stop offset="1" stop-color="hsl(${second} 60% 12%)"/></linearGradient></defs>` +
    `<rect width="400" height="600" fill="url(#g)"/>` +
    `<circle cx="${120 + ((index * 53) % 180)}" cy="${sunY}" r="70" fill="hsl(${(hue + 180) % 360} 90% 70%)" opacity=".85"/>` +
    `<path d="M0 380 Q100 ${300 + (index % 3) * 20} 200 360 T400 340 V600 H0Z" fill="hsl(${second} 50% 18%)"/>` +
    `<path d="M0 430 Q140 380 260 420 T400 410 V600 H0Z" fill="hsl(${second} 45% 9%)"/>` +
    `</svg>`;
  return `data:image/svg+xml;charset=utf-8,${encodeURIComponent(svg)}`;
}

const TITLES: [string, string, number, string][] = [
  ['Northern Lights', 'Documentary', 52, 'A year above the Arctic Circle, following the aurora across four countries.'],
  ['The Quiet Harbour', 'Drama', 108, 'A lighthouse keeper’s daughter returns home to a town that has stopped talking.'],
  ['Signal Lost', 'Thriller', 97, 'A radio engineer hears a voice on a frequency nobody uses.'],
  ['Paper Moon Café', 'Comedy', 24, 'Three friends, one café, and a recipe book that is not what it seems.'],
  ['Orbit', 'Science fiction', 121, 'The last crew of a space station decides whether to come home.'],
  ['Tides of Amber', 'Drama', 112, 'Two families share a fishing boat and a secret for thirty years.'],
  ['Glasshouse', 'Mystery', 46, 'A botanist finds a plant that should not exist.'],
  ['Mountain Echo', 'Documentary', 58, 'The people who keep the highest railway in Europe running.'],
  ['Night Market', 'Food', 32, 'Street food after dark in Taipei, Tainan and Kaohsiung.'],
  ['Little Robots', 'Kids', 22, 'A workshop of small robots learns to build a kite.'],
  ['Blue Hour', 'Romance', 101, 'Every evening, for twenty minutes, the city belongs to them.'],
  ['The Long Table', 'Food', 44, 'One family dinner, cooked by four generations.'],
];

function exampleAsset(index: number): Asset {
  const [title, genre, duration, description] = TITLES[index % TITLES.length] ?? TITLES[0]!;
  return { id: `preview-${index}`, title, genre, duration, description, year: 2019 + (index % 7), poster: posterFor(index) };
}

function exampleCatalog(): Catalog {
  const row = (id: string, title: string, start: number): ContentRow => ({
    id,
    title,
    assets: Array.from({ length: 8 }, (_, i) => exampleAsset(start + i)),
  });
  return {
    hero: exampleAsset(4),
    rows: [row('continue', 'Continue watching', 0), row('trending', 'Trending now', 3), row('documentaries', 'Documentaries and food', 7)],
  };
}

/** DESIGN PREVIEW ONLY: a bridge that starts at the named example state and plays a few steps. */
export function createPreviewBridge(name: PreviewName, language: Language): DeviceBridge {
  let codeIndex = 0;
  let current = exampleState(name, language, codeIndex);
  const listeners = new Set<(state: ViewState) => void>();
  const emit = (next: PreviewName) => {
    current = exampleState(next, current.language, codeIndex);
    for (const listener of listeners) listener(current);
  };
  const later = (next: PreviewName, ms: number) => setTimeout(() => emit(next), ms);

  return {
    getState: () => Promise.resolve({ ...current, hostNow: Date.now() }),
    onState(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    async signIn() {
      emit('requesting');
      later('awaiting_user', 1200);
    },
    async newCode() {
      codeIndex += 1;
      emit('requesting');
      later('awaiting_user', 800);
    },
    async cancel() {
      emit('idle');
    },
    async signOut() {
      emit('signing_out');
      later('idle', 900);
    },
    getCatalog: () => new Promise((resolve) => setTimeout(() => resolve(exampleCatalog()), 250)),
    async setLanguage(next) {
      current = { ...current, language: next, hostNow: Date.now() };
      for (const listener of listeners) listener(current);
    },
  };
}
