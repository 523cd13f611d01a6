import path from 'node:path';
import { pathToFileURL } from 'node:url';

/**
 * Which URLs belong to the packaged renderer. Built from file URLs, not paths: the install folder
 * ("R42 Companion") has a space, Windows paths have drive letters and backslashes.
 */
export function rendererUrlPolicy(appDir: string) {
  const rendererDir = path.join(appDir, 'dist', 'renderer');
  const indexFile = path.join(rendererDir, 'index.html');
  const indexUrl = pathToFileURL(indexFile).href;
  const rendererUrl = `${pathToFileURL(rendererDir).href}/`;
  return {
    indexFile,
    indexUrl,
    /** The page allowed to call IPC: the app's own index.html (with any #fragment). */
    isTrustedUrl: (url: string) => url === indexUrl || url.startsWith(`${indexUrl}#`),
    /** Requests the renderer may make: its own files (and DevTools). Everything else is cancelled. */
    isAllowedRequest: (url: string) => url.startsWith(rendererUrl) || url.startsWith('devtools://'),
  };
}
