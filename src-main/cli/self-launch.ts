import { realpathSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

/** How to start this CLI again: an absolute program and its arguments. */
export interface Launch {
  readonly command: string;
  readonly args: readonly string[];
}

/**
 * How another process starts this CLI again (an MCP client, the refresh helper): this Node by its
 * absolute path, the loader flags it was started with (a checkout runs through tsx) resolved to
 * absolute URLs, this script's real path, then `extra`. Such processes start from another folder
 * and without the shell's PATH.
 */
export function selfLaunch(...extra: string[]): Launch {
  const flags: string[] = [];
  for (let i = 0; i < process.execArgv.length; i++) {
    const match = /^--(import|require|loader|experimental-loader)(?:=(.*))?$/.exec(process.execArgv[i]!);
    if (!match) continue;
    const specifier = match[2] ?? process.execArgv[++i];
    if (specifier !== undefined) flags.push(`--${match[1]}`, absoluteSpecifier(specifier));
  }
  return { command: process.execPath, args: [...flags, realpathSync(process.argv[1]!), ...extra] };
}

/** A module specifier that resolves the same from any folder. */
function absoluteSpecifier(specifier: string): string {
  if (specifier.startsWith('.')) return pathToFileURL(path.resolve(specifier)).href;
  if (path.isAbsolute(specifier) || /^[a-z]+:/i.test(specifier)) return specifier;
  try {
    return import.meta.resolve(specifier);
  } catch {
    return specifier;
  }
}
