// Entry point of the TV renderer.
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App.tsx';
import { getBridge } from './bridge/index.ts';
import { signInRequested } from './logic/sign-in-link.ts';
import { warmCodeScreenWhenIdle } from './logic/warm-code-screen.ts';
import { startBackKey } from './nav/back.ts';
import { startSpatialNavigation } from './nav/spatial.ts';
import './styles.css';

// First, so that the first state (and, on /tv/?signin, the code) is asked for while the rest starts.
const bridge = getBridge();
startSpatialNavigation();
startBackKey();

const root = document.getElementById('root');
if (!root) throw new Error('The page has no #root element.');
createRoot(root).render(
  <StrictMode>
    <App bridge={bridge} />
  </StrictMode>,
);
// On /tv/?signin the code screen comes next: its one-time work is done while the code is requested
// (the language is not known yet: English is the default; the QR encoder is warmed either way).
// Otherwise Welcome does it once it is on screen, so that it does not hold Welcome back.
if (signInRequested(new URLSearchParams(window.location.search))) warmCodeScreenWhenIdle('en');
