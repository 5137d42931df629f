import { createContext, useCallback, useContext, useEffect, useRef, useState, type ReactNode } from 'react';
import { CheckIcon, XIcon } from './icons.js';

type ToastKind = 'success' | 'error';
/** A button in the toast (Undo); clicking it dismisses the toast. */
export interface ToastAction {
  label: string;
  run: () => void;
}
interface Toast {
  id: number;
  kind: ToastKind;
  message: string;
  action?: ToastAction;
}
type ShowToast = (kind: ToastKind, message: string, action?: ToastAction) => void;

const ToastContext = createContext<ShowToast>(() => undefined);

export function useToast(): ShowToast {
  return useContext(ToastContext);
}

/** How long a toast stays unless it is hovered or focused; an error gives more to read, and maybe a reason to act. */
const TOAST_MS: Record<ToastKind, number> = { success: 4000, error: 12000 };
/** A toast with an action stays longer: the person needs time to decide and reach the button. */
const ACTION_TOAST_MS = 10000;

/** Brief messages in a live region, each gone after a few seconds. */
export function ToastProvider({ children }: { children: ReactNode }) {
  const [toasts, setToasts] = useState<Toast[]>([]);
  const nextId = useRef(1);

  const dismiss = useCallback((id: number) => setToasts((all) => all.filter((toast) => toast.id !== id)), []);

  const show = useCallback<ShowToast>((kind, message, action) => {
    const id = nextId.current++;
    setToasts((all) => [...all.slice(-2), { id, kind, message, action }]);
  }, []);

  return (
    <ToastContext.Provider value={show}>
      {children}
      <div className="toasts" role="status" aria-live="polite">
        {toasts.map((toast) => (
          <ToastItem key={toast.id} toast={toast} dismiss={dismiss} />
        ))}
      </div>
    </ToastContext.Provider>
  );
}

/** One toast; its time runs only while it is neither hovered nor focused, so it does not vanish while being read (WCAG 2.2.1). */
function ToastItem({ toast, dismiss }: { toast: Toast; dismiss: (id: number) => void }) {
  const [hovered, setHovered] = useState(false);
  const [focused, setFocused] = useState(false);
  const remaining = useRef(toast.action ? Math.max(ACTION_TOAST_MS, TOAST_MS[toast.kind]) : TOAST_MS[toast.kind]);

  useEffect(() => {
    if (hovered || focused) return;
    const started = Date.now();
    const timer = setTimeout(() => dismiss(toast.id), remaining.current);
    return () => {
      clearTimeout(timer);
      remaining.current -= Date.now() - started;
    };
  }, [hovered, focused, dismiss, toast.id]);

  return (
    <div
      className={`toast toast-${toast.kind}`}
      data-testid="toast"
      data-kind={toast.kind}
      onPointerEnter={() => setHovered(true)}
      onPointerLeave={() => setHovered(false)}
      onFocus={() => setFocused(true)}
      onBlur={(event) => setFocused(event.currentTarget.contains(event.relatedTarget))}
    >
      {toast.kind === 'success' ? <CheckIcon className="toast-icon" /> : <XIcon className="toast-icon" />}
      <span>{toast.message}</span>
      {toast.action && (
        <button
          type="button"
          className="toast-action"
          onClick={() => {
            dismiss(toast.id);
            toast.action!.run();
          }}
          data-testid="toast-action"
        >
          {toast.action.label}
        </button>
      )}
      <button type="button" className="toast-close" aria-label="Dismiss" onClick={() => dismiss(toast.id)}>
        <XIcon />
      </button>
    </div>
  );
}
