// An Asset opened from Home: poster, facts and description. Back returns to where it was opened.
import { useState } from 'react';
import type { Asset } from '../../../host/contract.ts';
import { useActions } from '../actions.tsx';
import { Icon } from '../components/Icon.tsx';
import { useI18n } from '../i18n/context.tsx';
import { useFocusOnArrival } from '../nav/arrival.ts';
import { useBack } from '../nav/back.ts';
import { FocusButton, FocusGroup } from '../nav/focusable.tsx';
import { AssetMeta } from './AssetMeta.tsx';

/** The Asset detail page. */
export function AssetDetail({ asset, onBack }: { asset: Asset; onBack: () => void }) {
  const { t } = useI18n();
  const { announce } = useActions();
  const [note, setNote] = useState<string | undefined>();
  useFocusOnArrival('detail-play');
  useBack(onBack);
  return (
    <main className="screen detail" data-testid="asset-detail">
      <img className="hero__backdrop" src={asset.poster} alt="" aria-hidden="true" />
      <div className="hero__shade" aria-hidden="true" />
      <img className="detail__poster" src={asset.poster} alt="" width={400} height={600} />
      <div className="detail__text">
        <h1 className="display">{asset.title}</h1>
        <AssetMeta asset={asset} />
        {asset.description ? <p className="lead">{asset.description}</p> : null}
        <FocusGroup className="actions" focusKey="detail-actions" boundary>
          <FocusButton
            focusKey="detail-play"
            className="button button--primary button--large"
            onPress={() => {
              setNote(t.home.playUnavailable);
              announce(t.home.playUnavailable);
            }}
          >
            <Icon name="play" size={36} />
            {t.home.play}
          </FocusButton>
          <FocusButton focusKey="detail-back" className="button button--large" onPress={onBack}>
            {t.common.back}
          </FocusButton>
        </FocusGroup>
        {note ? <p className="muted">{note}</p> : null}
      </div>
    </main>
  );
}
