import type { R42Api } from '../src-preload/bridge-api';

declare global {
  interface Window {
    /** Exposed by the preload (Electron) or the web bridge (development and browser tests). */
    readonly r42: R42Api;
  }
}

export {};
