// One Asset in a ContentRow: a poster the remote can focus, its title beneath.
import type { Asset } from '../../../host/contract.ts';
import { FocusButton, scrollBehavior } from '../nav/focusable.tsx';

/** Room kept beside a focused card so its ring and lift stay on screen (the TV's safe area). */
const EDGE_PX = 120;

/**
 * TV-style scrolling: the focused card's ContentRow moves to the top of Home, and the row slides
 * sideways just enough to keep the card clear of the screen edge.
 */
function revealInRow(node: HTMLElement): void {
  const behavior = scrollBehavior();
  const row = node.closest<HTMLElement>('.content-row');
  const track = node.closest<HTMLElement>('.content-row__track');
  const scroller = row?.offsetParent;
  if (row && scroller instanceof HTMLElement) scroller.scrollTo({ top: Math.max(0, row.offsetTop - 8), behavior });
  if (!track) return;
  const left = node.offsetLeft;
  const right = left + node.offsetWidth;
  let target = track.scrollLeft;
  if (left - EDGE_PX < target) target = left - EDGE_PX;
  else if (right + EDGE_PX > target + track.clientWidth) target = right + EDGE_PX - track.clientWidth;
  track.scrollTo({ left: Math.max(0, target), behavior });
}

/** A poster card; OK opens the Asset. */
export function AssetCard({ asset, focusKey, onOpen }: { asset: Asset; focusKey: string; onOpen: (asset: Asset, focusKey: string) => void }) {
  return (
    <li className="asset-card">
      <FocusButton focusKey={focusKey} className="asset-card__button" aria-label={asset.year ? `${asset.title}, ${asset.year}` : asset.title} onPress={() => onOpen(asset, focusKey)} reveal={revealInRow}>
        <img className="asset-card__poster" src={asset.poster} alt="" width={240} height={360} loading="lazy" decoding="async" />
      </FocusButton>
      <span className="asset-card__title" aria-hidden="true">
        {asset.title}
      </span>
    </li>
  );
}
