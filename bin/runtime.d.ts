// Types of bin/runtime.js (plain JavaScript, so that an old Node.js can run it and say what to do).
export declare const MINIMUM: readonly [number, number];
export declare const ROOT: string;
export declare function isSupported(version: string): boolean;
export declare function pinnedNode(root?: string): string | undefined;
export declare function flagsFor(hasTypeScript: boolean): string[];
export declare function unsupportedMessage(version: string, root?: string): string;
export interface RuntimeProcess {
  version: string;
  versions: { node: string };
  execPath: string;
  features?: { typescript?: unknown };
}
export type RuntimeChoice =
  | { node: string; argv: string[]; asIs: boolean; error?: undefined }
  | { error: string; node?: undefined; argv?: undefined; asIs?: undefined };
export declare function chooseRuntime(script: string, args: string[], current?: RuntimeProcess, root?: string): RuntimeChoice;
export declare function runInChild(script: string, args: string[]): void;
export declare function missingPackage(err: unknown): string | undefined;
