// Entry point of the TV renderer.
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App.tsx';
import { getBridge } from './bridge/index.ts';
import { startBackKey } from './nav/back.ts';
import { startSpatialNavigation } from './nav/spatial.ts';
import './styles.css';

startSpatialNavigation();
startBackKey();

const root = document.getElementById('root');
if (!root) throw new Error('The page has no #root element.');
createRoot(root).render(
  <StrictMode>
    <App bridge={getBridge()} />
  </StrictMode>,
);
