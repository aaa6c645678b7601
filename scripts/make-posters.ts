// Generates the demo posters (assets/posters/*.svg) and avatars (assets/avatars/*.svg) from
// assets/catalog.json: gradients, a motif and the title. Deterministic, so re-running changes
// nothing. Run: node scripts/make-posters.ts
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', 'assets');
const catalog = JSON.parse(readFileSync(join(root, 'catalog.json'), 'utf8')) as { titles: { id: string; title: string; year: number; genre: string }[] };

const PALETTES: [string, string, string][] = [
  ['#0f2027', '#2c5364', '#7fdbda'],
  ['#1e1b4b', '#7c3aed', '#f0abfc'],
  ['#3b0a45', '#e14d2a', '#fcd581'],
  ['#0b132b', '#1c7293', '#9ee6cf'],
  ['#2d1b00', '#c2410c', '#fde68a'],
  ['#111827', '#be185d', '#fbcfe8'],
  ['#052e16', '#15803d', '#bbf7d0'],
  ['#172554', '#2563eb', '#bfdbfe'],
  ['#27272a', '#b45309', '#fef3c7'],
  ['#1f0a3a', '#db2777', '#a5f3fc'],
];

function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

function bytes(id: string): Buffer {
  return createHash('sha256').update(id).digest();
}

function motif(kind: number, accent: string, b: Buffer): string {
  switch (kind % 5) {
    case 0: // sun over hills
      return `<circle cx="200" cy="250" r="${90 + (b[3] ?? 0) % 30}" fill="${accent}" opacity=".85"/>
<path d="M0 380 Q100 ${300 + ((b[4] ?? 0) % 40)} 200 350 T400 330 V600 H0Z" fill="#000" opacity=".35"/>
<path d="M0 430 Q120 370 240 420 T400 400 V600 H0Z" fill="#000" opacity=".45"/>`;
    case 1: // orbit rings
      return `<g fill="none" stroke="${accent}" stroke-width="2" opacity=".8"><ellipse cx="200" cy="260" rx="150" ry="46" transform="rotate(-18 200 260)"/><ellipse cx="200" cy="260" rx="110" ry="30" transform="rotate(24 200 260)"/></g>
<circle cx="200" cy="260" r="56" fill="${accent}" opacity=".9"/><circle cx="${90 + ((b[5] ?? 0) % 220)}" cy="${120 + ((b[6] ?? 0) % 60)}" r="6" fill="#fff"/>`;
    case 2: // waves
      return Array.from({ length: 6 }, (_, i) => `<path d="M0 ${250 + i * 38} Q100 ${225 + i * 38} 200 ${250 + i * 38} T400 ${250 + i * 38}" fill="none" stroke="${accent}" stroke-width="${6 - i * 0.7}" opacity="${0.9 - i * 0.12}"/>`).join('\n');
    case 3: // skyline
      return Array.from({ length: 9 }, (_, i) => {
        const h = 80 + ((b[i + 7] ?? 0) % 170);
        return `<rect x="${i * 45}" y="${430 - h}" width="40" height="${h + 170}" fill="#000" opacity=".38"/><rect x="${i * 45 + 10}" y="${445 - h}" width="6" height="6" fill="${accent}" opacity=".9"/>`;
      }).join('\n') + `<circle cx="300" cy="150" r="44" fill="${accent}" opacity=".8"/>`;
    default: // stacked diamonds
      return Array.from({ length: 4 }, (_, i) => `<rect x="${140 - i * 10}" y="${190 - i * 10}" width="${120 + i * 20}" height="${120 + i * 20}" transform="rotate(45 200 250)" fill="none" stroke="${accent}" stroke-width="3" opacity="${0.95 - i * 0.2}"/>`).join('\n');
  }
}

function wrap(title: string, max = 12): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of title.split(' ')) {
    if ((line + ' ' + word).trim().length > max && line) {
      lines.push(line);
      line = word;
    } else {
      line = (line + ' ' + word).trim();
    }
  }
  if (line) lines.push(line);
  return lines;
}

for (const [index, t] of catalog.titles.entries()) {
  const b = bytes(t.id);
  const [dark, mid, accent] = PALETTES[index % PALETTES.length]!;
  const lines = wrap(t.title.toUpperCase());
  const size = lines.some((l) => l.length > 10) ? 38 : 46;
  const text = lines
    .map((l, i) => `<text x="28" y="${600 - 70 - (lines.length - 1 - i) * (size + 6)}" font-size="${size}">${esc(l)}</text>`)
    .join('');
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="400" height="600" viewBox="0 0 400 600" role="img" aria-label="${esc(t.title)}">
<defs>
<linearGradient id="bg" x1="0" y1="0" x2="${(b[0] ?? 0) % 2}" y2="1"><stop offset="0" stop-color="${mid}"/><stop offset="1" stop-color="${dark}"/></linearGradient>
<linearGradient id="fade" x1="0" y1="0" x2="0" y2="1"><stop offset=".55" stop-color="#000" stop-opacity="0"/><stop offset="1" stop-color="#000" stop-opacity=".75"/></linearGradient>
</defs>
<rect width="400" height="600" fill="url(#bg)"/>
${motif(index * 3 + (b[1] ?? 0), accent, b)}
<rect width="400" height="600" fill="url(#fade)"/>
<g font-family="Avenir Next, Futura, Helvetica Neue, Arial, sans-serif" font-weight="800" fill="#fff" letter-spacing="1">${text}</g>
<text x="28" y="566" font-family="Helvetica Neue, Arial, sans-serif" font-size="16" fill="${accent}" letter-spacing="3">${esc(t.genre.toUpperCase())} · ${t.year}</text>
</svg>
`;
  writeFileSync(join(root, 'posters', `${t.id}.svg`), svg);
}

const AVATAR = ['#4338ca', '#db2777', '#0891b2', '#16a34a', '#ea580c', '#7c3aed'];
for (const [i, color] of AVATAR.entries()) {
  writeFileSync(
    join(root, 'avatars', `${i}.svg`),
    `<svg xmlns="http://www.w3.org/2000/svg" width="128" height="128" viewBox="0 0 128 128" role="img" aria-label="avatar">
<defs><linearGradient id="g" x1="0" y1="0" x2="1" y2="1"><stop offset="0" stop-color="${color}"/><stop offset="1" stop-color="#111827"/></linearGradient></defs>
<rect width="128" height="128" rx="64" fill="url(#g)"/><circle cx="64" cy="50" r="22" fill="#fff" opacity=".92"/><path d="M24 112c6-24 22-36 40-36s34 12 40 36" fill="#fff" opacity=".92"/>
</svg>
`,
  );
}
process.stdout.write(`wrote ${catalog.titles.length} posters and ${AVATAR.length} avatars\n`);
