// The renderer's import fence (DESIGN.md: renderer/ imports only host/contract.ts from outside itself),
// checked through ESLint's own Node API with the project's config, as `npm run lint` applies it.
import { ESLint } from 'eslint';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..', '..');
const eslint = new ESLint({ cwd: ROOT });
const FENCE_RULES = new Set(['fence/imports-within', 'no-restricted-imports']);

/** The fence's complaints about `code` as if it were the file at `filePath` (relative to the root). */
async function fenceProblems(filePath: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath });
  return (result?.messages ?? []).filter((message) => FENCE_RULES.has(message.ruleId ?? '')).map((message) => message.message);
}

describe("the renderer's import fence", () => {
  it.each([
    ['renderer/src/x.ts', "import { DeviceController } from '../../../host/device-controller.ts';\nexport { DeviceController };"],
    ['renderer/src/screens/x.tsx', "import { DeviceController } from '../../../host/device-controller.ts';\nexport { DeviceController };"],
    ['renderer/src/x.ts', "import { transition } from '../../core/machine.ts';\nexport { transition };"],
    ['renderer/src/x.ts', "import type { FlowState } from '../../../core/types.ts';\nexport type { FlowState };"],
    ['renderer/src/home/deep/x.tsx', "import type { FlowState } from '../../../../core/types.ts';\nexport type { FlowState };"],
    ['renderer/src/x.ts', "export * from '../../server/catalog.ts';"],
    ['renderer/src/x.ts', "export const load = () => import('../../cli/main.ts');"],
    ['renderer/src/x.ts', "export type Host = typeof import('../../host/browser-host.ts');"],
    ['renderer/src/x.ts', "import '/work/elsewhere/core/machine.ts';"],
  ])('reports %s importing a file outside renderer/ other than the contract: %s', async (filePath, code) => {
    const problems = await fenceProblems(filePath, code);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toContain('renderer/ imports only host/contract.ts');
  });

  it.each([
    ['renderer/src/x.ts', "import { readFile } from 'node:fs/promises';\nexport { readFile };"],
    ['renderer/src/x.ts', "import { readFile } from 'fs';\nexport { readFile };"],
    ['renderer/src/x.ts', "import axios from 'axios';\nexport { axios };"],
    ['renderer/src/x.ts', "import { ipcRenderer } from 'electron';\nexport { ipcRenderer };"],
  ])('reports %s importing a Node or device-side package: %s', async (filePath, code) => {
    expect(await fenceProblems(filePath, code)).toEqual([expect.stringContaining('renderer/ runs in a sandboxed page')]);
  });

  it.each([
    ['renderer/src/x.ts', "import type { ViewState } from '../../host/contract.ts';\nexport type { ViewState };"],
    ['renderer/src/screens/x.tsx', "import { BRIDGE_ROUTES } from '../../../host/contract.ts';\nexport { BRIDGE_ROUTES };"],
    ['renderer/src/screens/x.tsx', "import { App } from '../App.tsx';\nimport { useState } from 'react';\nexport { App, useState };"],
    ['renderer/vite.config.ts', "import { defineConfig } from 'vite';\nexport default defineConfig({});"],
  ])('lets %s import the contract, its own files and packages: %s', async (filePath, code) => {
    expect(await fenceProblems(filePath, code)).toEqual([]);
  });

  it('holds for every file of the renderer as it is', async () => {
    const results = await eslint.lintFiles(['renderer/']);
    expect(results.length).toBeGreaterThan(30);
    const crossings = results.flatMap((result) =>
      result.messages.filter((message) => FENCE_RULES.has(message.ruleId ?? '')).map((message) => `${result.filePath}: ${message.message}`),
    );
    expect(crossings).toEqual([]);
  });
});
