import { json } from '@codemirror/lang-json';
import { lintGutter, linter, type Diagnostic } from '@codemirror/lint';
import { EditorState, type Extension } from '@codemirror/state';
import { EditorView } from '@codemirror/view';
import { basicSetup } from 'codemirror';
import { useEffect, useImperativeHandle, useRef, type Ref } from 'react';
import { jsonSyntaxError } from '../../../src/domain/json-text.js';
import { secretMasking } from '../lib/secret-mask.js';
import { editorTheme } from './editor-theme.js';

export interface JsonEditorHandle {
  /** Replaces the whole text (reload, format); it can be undone. */
  setText(text: string): void;
  focus(): void;
}

/**
 * Marks the first syntax error where it is. CodeMirror's own JSON linter takes the position from V8's
 * message, which has none for many errors (a stray quote, a misspelt `true`), and then marks line 1.
 */
function jsonLinter(view: EditorView): Diagnostic[] {
  const text = view.state.doc.toString();
  const found = jsonSyntaxError(text);
  if (!found) return [];
  return [{ from: found.offset, to: Math.min(found.offset + 1, text.length), severity: 'error', message: found.message }];
}

/** CodeMirror 6 with JSON highlighting, folding and live linting. */
export function JsonEditor({
  initialText,
  onChange,
  label,
  ref,
  extensions = [],
  secrets = 'plain',
}: {
  initialText: string;
  onChange: (text: string) => void;
  label: string;
  ref?: Ref<JsonEditorHandle>;
  /** More extensions (the schema's), fixed for the editor's life like the rest. */
  extensions?: Extension[];
  /** `masked`: the values of secret keys are shown as dots until `revealed` (display only, see secret-mask.ts). */
  secrets?: 'plain' | 'masked' | 'revealed';
}) {
  const host = useRef<HTMLDivElement>(null);
  const view = useRef<EditorView | null>(null);
  const latestOnChange = useRef(onChange);
  useEffect(() => {
    latestOnChange.current = onChange;
  }, [onChange]);

  useImperativeHandle(ref, () => ({
    setText(text) {
      const current = view.current;
      if (!current || current.state.doc.toString() === text) return;
      current.dispatch({ changes: { from: 0, to: current.state.doc.length, insert: text } });
    },
    focus() {
      view.current?.focus();
    },
  }));

  // Created once per mount: the editor owns its text, later changes go through setText.
  useEffect(() => {
    const editor = new EditorView({
      parent: host.current!,
      state: EditorState.create({
        doc: initialText,
        extensions: [
          basicSetup,
          json(),
          linter(jsonLinter, { delay: 200 }),
          lintGutter(),
          ...extensions,
          secretMasking.compartment.of(secretMasking.of(secrets !== 'masked')),
          editorTheme,
          EditorView.contentAttributes.of({ 'aria-label': label, 'data-testid': 'json-editor-input' }),
          EditorView.updateListener.of((update) => {
            if (update.docChanged) latestOnChange.current(update.state.doc.toString());
          }),
        ],
      }),
    });
    view.current = editor;
    return () => {
      editor.destroy();
      view.current = null;
    };
  }, []);

  useEffect(() => {
    view.current?.dispatch({ effects: secretMasking.compartment.reconfigure(secretMasking.of(secrets !== 'masked')) });
  }, [secrets]);

  return <div ref={host} className="json-editor" data-testid="json-editor" />;
}
