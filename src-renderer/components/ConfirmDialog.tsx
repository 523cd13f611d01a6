import { useEffect, useRef, type ReactNode } from 'react';

/**
 * A yes/no question in a modal alert dialog: the safe choice has the focus, Esc cancels.
 * `children` is what the dialog says (its description); `controls` go between it and the buttons.
 */
export function ConfirmDialog({
  title,
  children,
  controls,
  confirmLabel,
  cancelLabel,
  onCancel,
  onConfirm,
}: {
  title: string;
  children: ReactNode;
  controls?: ReactNode;
  confirmLabel: string;
  cancelLabel: string;
  onCancel: () => void;
  onConfirm: () => void;
}) {
  const cancelRef = useRef<HTMLButtonElement>(null);
  useEffect(() => {
    cancelRef.current?.focus();
    const onKey = (event: KeyboardEvent) => event.key === 'Escape' && onCancel();
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [onCancel]);
  return (
    <div className="backdrop">
      <div role="alertdialog" aria-modal="true" aria-labelledby="confirm-title" aria-describedby="confirm-text" className="dialog">
        <h3 id="confirm-title">{title}</h3>
        <div id="confirm-text">{children}</div>
        {controls}
        <div className="actions">
          <button type="button" ref={cancelRef} onClick={onCancel}>
            {cancelLabel}
          </button>
          <button type="button" className="danger" onClick={onConfirm}>
            {confirmLabel}
          </button>
        </div>
      </div>
    </div>
  );
}
