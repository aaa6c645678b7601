// The demo media catalogue (assets/catalog.json), shaped as host/contract.ts `Catalog`, with one
// row chosen for the signed-in user.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

import type { Asset, Catalog, ContentRow } from '../host/contract.ts';

/** Where posters, avatars and the catalogue live. */
export const ASSETS_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', 'assets');

interface TitleEntry {
  id: string;
  title: string;
  year?: number;
  genre?: string;
  duration?: number;
  description?: string;
}

interface CatalogFile {
  hero?: string;
  titles: TitleEntry[];
  rows: { id: string; title: string; titles: string[] }[];
}

let cached: CatalogFile | undefined;

function load(): CatalogFile {
  cached ??= JSON.parse(readFileSync(join(ASSETS_DIR, 'catalog.json'), 'utf8')) as CatalogFile;
  return cached;
}

function toAsset(entry: TitleEntry, publicUrl: string): Asset {
  const asset: Asset = { id: entry.id, title: entry.title, poster: new URL(`/assets/posters/${encodeURIComponent(entry.id)}.svg`, publicUrl).href };
  if (entry.year !== undefined) asset.year = entry.year;
  if (entry.description !== undefined) asset.description = entry.description;
  if (entry.duration !== undefined) asset.duration = entry.duration;
  if (entry.genre !== undefined) asset.genre = entry.genre;
  return asset;
}

/** The catalogue for one user: a "Because you watched ..." row picked deterministically from the sub. */
export function catalogFor(sub: string, publicUrl: string): Catalog {
  const file = load();
  const byId = new Map(file.titles.map((t) => [t.id, t]));
  const assets = (ids: string[]) => ids.flatMap((id) => (byId.has(id) ? [toAsset(byId.get(id)!, publicUrl)] : []));

  const digest = createHash('sha256').update(sub).digest();
  const watched = file.titles[digest.readUInt32BE(0) % file.titles.length]!;
  // Same genre first, then the rest in an order that depends on the user, never the watched title.
  const rank = (t: TitleEntry) => createHash('sha256').update(`${sub}:${t.id}`).digest().readUInt32BE(0);
  const others = file.titles.filter((t) => t.id !== watched.id);
  const sameGenre = others.filter((t) => t.genre === watched.genre).sort((a, b) => rank(a) - rank(b));
  const rest = others.filter((t) => t.genre !== watched.genre).sort((a, b) => rank(a) - rank(b));
  const personal: ContentRow = {
    id: 'because-you-watched',
    title: `Because you watched ${watched.title}`,
    assets: assets([...sameGenre, ...rest].slice(0, 7).map((t) => t.id)),
  };

  const rows: ContentRow[] = file.rows.map((row) => ({ id: row.id, title: row.title, assets: assets(row.titles) }));
  rows.splice(1, 0, personal);
  const hero = file.hero ? byId.get(file.hero) : undefined;
  return hero ? { hero: toAsset(hero, publicUrl), rows } : { rows };
}
