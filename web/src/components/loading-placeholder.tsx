import type { ReactNode } from 'react';

/**
 * Grey shapes while something loads. A screen reader ignores an aria-label on a plain div, so the placeholder is a
 * status with hidden text: it is announced, and again its replacement when that arrives.
 */
export function LoadingPlaceholder({ label, className, testId, children }: { label: string; className?: string; testId?: string; children?: ReactNode }) {
  return (
    <div className={className} role="status" data-testid={testId}>
      <span className="visually-hidden">{label}</span>
      {children}
    </div>
  );
}
