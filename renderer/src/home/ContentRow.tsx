// A titled, horizontally scrolling row of Assets; it remembers the last Asset focused in it.
import { useId } from 'react';
import type { Asset, ContentRow as Row } from '../../../host/contract.ts';
import { FocusGroup } from '../nav/focusable.tsx';
import { AssetCard } from './AssetCard.tsx';

/** The focus key of an Asset card, stable across visits so Back can return to it. */
export function assetFocusKey(rowId: string, assetId: string): string {
  return `asset-${rowId}-${assetId}`;
}

/** One ContentRow. */
export function ContentRow({ row, onOpen }: { row: Row; onOpen: (asset: Asset, focusKey: string) => void }) {
  const headingId = useId();
  return (
    <section className="content-row" aria-labelledby={headingId}>
      <h2 className="content-row__title" id={headingId}>
        {row.title}
      </h2>
      <FocusGroup as="ul" className="content-row__track" focusKey={`row-${row.id}`}>
        {row.assets.map((asset) => (
          <AssetCard key={asset.id} asset={asset} focusKey={assetFocusKey(row.id, asset.id)} onOpen={onOpen} />
        ))}
      </FocusGroup>
    </section>
  );
}
