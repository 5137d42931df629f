import { useState } from 'react';
import { readStoredFlag, storeFlag } from '../lib/stored-flag.js';
import { Dialog } from './dialog.js';
import { DiffView } from './diff-view.js';
import { SaveIcon } from './icons.js';

const SKIP_REVIEW_KEY = 'iot-config-manager.skip-save-review';

/**
 * Save shows the difference it will write first, unless the person turned that off (remembered in this browser).
 * `request(run)` runs the save at once when the review is off, or after the person confirms it.
 */
export function useSaveReview() {
  const [review, setReviewState] = useState(() => !readStoredFlag(SKIP_REVIEW_KEY));
  const [pending, setPending] = useState<(() => void) | null>(null);
  const setReview = (on: boolean) => {
    setReviewState(on);
    storeFlag(SKIP_REVIEW_KEY, !on);
  };
  const request = (run: () => void) => {
    if (review) setPending(() => run);
    else run();
  };
  return { review, setReview, request, pending, close: () => setPending(null) };
}

/** The setting, next to the Save button. */
export function ReviewToggle({ review, onChange }: { review: boolean; onChange: (on: boolean) => void }) {
  return (
    <label className="review-toggle" data-testid="review-toggle">
      <input type="checkbox" checked={review} onChange={(event) => onChange(event.target.checked)} />
      Review before saving
    </label>
  );
}

/** The stored text against the one about to be saved, with Save and Cancel. */
export function ReviewSaveDialog({
  stored,
  mine,
  onSave,
  onClose,
  onSkipFromNowOn,
}: {
  stored: string;
  mine: string;
  onSave: () => void;
  onClose: () => void;
  onSkipFromNowOn: () => void;
}) {
  const [skip, setSkip] = useState(false);
  const narrow = window.matchMedia('(max-width: 720px)').matches;
  return (
    <Dialog title="Review the change before saving" testId="review-dialog" className="dialog-wide" onClose={onClose}>
      <div className="dialog-body">
        <DiffView stored={stored} mine={mine} layout={narrow ? 'unified' : 'split'} labels={['Stored now', 'To be saved']} />
        <label className="review-toggle">
          <input type="checkbox" checked={skip} onChange={(event) => setSkip(event.target.checked)} data-testid="review-skip" />
          Save without this review from now on
        </label>
        <div className="dialog-actions">
          <button type="button" className="btn btn-secondary" onClick={onClose} data-testid="review-cancel">
            Keep editing
          </button>
          <button
            type="button"
            className="btn btn-primary"
            autoFocus
            onClick={() => {
              if (skip) onSkipFromNowOn();
              onSave();
            }}
            data-testid="review-save"
          >
            <SaveIcon /> Save
          </button>
        </div>
      </div>
    </Dialog>
  );
}
