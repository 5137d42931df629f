import { useEffect, useId, useRef, type ReactNode } from 'react';
import { focusPageStart } from './page-heading.js';

/**
 * A modal dialog on the native <dialog> element, which traps focus and closes
 * on Escape; on close, focus goes back to where it was (or to the page's heading if that is gone). Render it only while
 * it is open.
 */
export function Dialog({
  title,
  onClose,
  children,
  testId,
  tone = 'default',
  className = '',
}: {
  title: string;
  onClose: () => void;
  children: ReactNode;
  testId: string;
  tone?: 'default' | 'danger';
  /** Extra classes, such as `dialog-wide` for one that shows a difference. */
  className?: string;
}) {
  const ref = useRef<HTMLDialogElement>(null);
  const titleId = useId();

  const latestOnClose = useRef(onClose);
  useEffect(() => {
    latestOnClose.current = onClose;
  }, [onClose]);

  useEffect(() => {
    const dialog = ref.current!;
    let unmounting = false;
    // The browser can close a modal by itself (a repeated Escape): tell the owner, so its state follows.
    const closedByBrowser = () => {
      if (!unmounting) latestOnClose.current();
    };
    dialog.addEventListener('close', closedByBrowser);
    const opener = document.activeElement;
    if (!dialog.open) dialog.showModal();
    return () => {
      unmounting = true;
      dialog.removeEventListener('close', closedByBrowser);
      dialog.close();
      // The browser restores focus only when an attached dialog closes, and React has already removed this one:
      // without this, focus falls to <body> and a keyboard user starts again from the top of the page.
      if (opener instanceof HTMLElement && opener.isConnected) opener.focus();
      else focusPageStart();
    };
  }, []);

  return (
    <dialog
      ref={ref}
      className={`dialog dialog-${tone} ${className}`.trim()}
      aria-labelledby={titleId}
      data-testid={testId}
      onCancel={(event) => {
        event.preventDefault();
        onClose();
      }}
    >
      <h2 id={titleId} className="dialog-title">
        {title}
      </h2>
      {children}
    </dialog>
  );
}
