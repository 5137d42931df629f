import { useEffect, useRef, type ReactNode } from 'react';

// Until the person clicks or presses a key, a route change is part of the first load (the redirects of / and of a
// MAC written in another form): the focus stays where the browser starts it.
let personActed = false;
for (const type of ['pointerdown', 'keydown']) {
  window.addEventListener(type, () => (personActed = true), { capture: true, once: true });
}

/** Nothing in the page has the focus: its control went away with the old page or a closed dialog, or it is in the top bar. */
function focusIsLost(): boolean {
  const active = document.activeElement;
  return !active || active === document.body || active.id === 'main' || active.closest('.topbar') !== null;
}

/**
 * Where the focus goes when the control that had it is gone: the page's heading, or the page itself while that loads.
 * Left on <body>, a keyboard user starts again from the top and a screen reader announces nothing.
 */
export function focusPageStart(): void {
  (document.querySelector<HTMLElement>('main h1') ?? document.getElementById('main'))?.focus();
}

/** A page's main heading. On a new page it takes the focus (if nothing on the page took it), so it is announced. */
export function PageHeading({ children, className, testId }: { children: ReactNode; className?: string; testId?: string }) {
  const ref = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    if (personActed && focusIsLost()) ref.current?.focus();
  }, []);
  return (
    <h1 ref={ref} tabIndex={-1} className={className} data-testid={testId}>
      {children}
    </h1>
  );
}
