import { useRef, useState } from 'react';

/** Puts the address on the clipboard, or selects it for Ctrl+C where the page may not write there. */
async function copyAddress(url: string, element: HTMLElement | null): Promise<boolean> {
  try {
    await navigator.clipboard.writeText(url);
    return true;
  } catch {
    if (element) window.getSelection()?.selectAllChildren(element);
    return false;
  }
}

/**
 * The sign-in address while the app waits for Garmin's answer, with a copy button: on a computer
 * where no browser opened (no display, a browser that failed) the runner opens it themselves.
 * It is their own sign-in (it holds the state, never a code or token), shown only in their window.
 */
export function SignInAddress({ url, browserOpened }: { url: string; browserOpened: boolean }) {
  const [copied, setCopied] = useState<'yes' | 'no' | null>(null);
  const field = useRef<HTMLElement>(null);
  return (
    <div className="sign-in-address">
      <p className="small">{browserOpened ? 'No Garmin page? Open this address in a browser on this computer:' : 'Open this address in a browser on this computer to sign in:'}</p>
      <code className="secret-value" aria-label="Sign-in address" data-testid="sign-in-address" ref={field}>
        {url}
      </code>
      <div className="actions">
        <button type="button" className="small" onClick={() => void copyAddress(url, field.current).then((ok) => setCopied(ok ? 'yes' : 'no'))}>
          Copy address
        </button>
        <span className="small copy-result" aria-live="polite">
          {copied === 'yes' ? 'Copied. Garmin sends you back to this computer when you agree.' : copied === 'no' ? 'Could not copy: the address is selected, press Ctrl+C.' : ''}
        </span>
      </div>
    </div>
  );
}
