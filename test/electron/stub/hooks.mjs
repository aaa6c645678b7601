// Module resolution hook: 'electron' resolves to the stub (electron.ts next to this file).
const STUB = new URL('./electron.ts', import.meta.url).href;

export async function resolve(specifier, context, next) {
  if (specifier === 'electron') return { url: STUB, shortCircuit: true };
  return next(specifier, context);
}
