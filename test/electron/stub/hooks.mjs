// Module resolution hook: 'electron' resolves to the stub (electron.ts next to this file), and the
// packages named in STUB_MISSING_PACKAGES (comma-separated) do not resolve at all, as in a packaged
// app, which is installed without devDependencies.
const STUB = new URL('./electron.ts', import.meta.url).href;
const MISSING = new Set((process.env.STUB_MISSING_PACKAGES ?? '').split(',').filter(Boolean));

export async function resolve(specifier, context, next) {
  if (specifier === 'electron') return { url: STUB, shortCircuit: true };
  if (MISSING.has(specifier)) {
    throw Object.assign(new Error(`Cannot find package '${specifier}' (STUB_MISSING_PACKAGES)`), { code: 'ERR_MODULE_NOT_FOUND' });
  }
  return next(specifier, context);
}
