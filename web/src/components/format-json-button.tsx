import type { RefObject } from 'react';
import { formatJsonSource } from '../lib/config-text.js';
import { FormatIcon } from './icons.js';
import type { JsonEditorHandle } from './json-editor.js';

/** Re-indents the editor's text the way the service stores it; enabled while the text is valid JSON. */
export function FormatJsonButton({ text, valid, editorRef }: { text: string; valid: boolean; editorRef: RefObject<JsonEditorHandle | null> }) {
  return (
    <button
      type="button"
      className="btn btn-secondary"
      disabled={!valid}
      onClick={() => valid && editorRef.current?.setText(formatJsonSource(text))}
      data-testid="format"
    >
      <FormatIcon /> Format JSON
    </button>
  );
}
