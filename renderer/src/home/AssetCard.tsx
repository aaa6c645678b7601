// One Asset in a ContentRow: a poster the remote can focus, its title beneath.
import type { Asset } from '../../../host/contract.ts';
import { FocusButton } from '../nav/focusable.tsx';

/** A poster card; OK opens the Asset. */
export function AssetCard({ asset, focusKey, onOpen }: { asset: Asset; focusKey: string; onOpen: (asset: Asset, focusKey: string) => void }) {
  return (
    <li className="asset-card">
      <FocusButton focusKey={focusKey} className="asset-card__button" aria-label={asset.year ? `${asset.title}, ${asset.year}` : asset.title} onPress={() => onOpen(asset, focusKey)}>
        <img className="asset-card__poster" src={asset.poster} alt="" width={240} height={360} loading="lazy" decoding="async" />
      </FocusButton>
      <span className="asset-card__title" aria-hidden="true">
        {asset.title}
      </span>
    </li>
  );
}
