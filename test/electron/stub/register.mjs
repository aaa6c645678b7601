// `node --import ./register.mjs main.js`: runs a built Electron main under Node with the stub electron.
import { register } from 'node:module';

register(new URL('./hooks.mjs', import.meta.url));
