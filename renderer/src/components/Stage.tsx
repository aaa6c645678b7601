// The TV screen: laid out once at 1920×1080 and scaled to fit any window, letterboxed, so a 720p
// Electron window and a 4K browser show the same picture.
import { useEffect, useState, type ReactNode } from 'react';

const WIDTH = 1920;
const HEIGHT = 1080;

function fitScale(): number {
  return Math.min(window.innerWidth / WIDTH, window.innerHeight / HEIGHT);
}

/** A fixed 1920×1080 stage scaled with a CSS transform to fit the window. */
export function Stage({
  children,
  ...attributes
}: {
  children: ReactNode;
  'data-testid': string;
  'data-state'?: string;
  'data-host'?: string;
}) {
  const [scale, setScale] = useState(fitScale);
  useEffect(() => {
    const update = () => setScale(fitScale());
    window.addEventListener('resize', update);
    return () => window.removeEventListener('resize', update);
  }, []);
  return (
    <div className="viewport">
      <div className="stage" style={{ width: WIDTH, height: HEIGHT, transform: `translate(-50%, -50%) scale(${scale})` }} {...attributes}>
        {children}
      </div>
    </div>
  );
}
