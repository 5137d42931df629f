import { json } from '@codemirror/lang-json';
import { EditorState } from '@codemirror/state';
import { EditorView, lineNumbers } from '@codemirror/view';
import { useEffect, useRef } from 'react';
import { editorTheme } from './editor-theme.js';

/** A config's text shown read-only, highlighted as in the editor; focusable so a keyboard user can scroll and select it. */
export function ReadOnlyJson({ text, label, testId }: { text: string; label: string; testId?: string }) {
  const host = useRef<HTMLDivElement>(null);

  useEffect(() => {
    const view = new EditorView({
      parent: host.current!,
      doc: text,
      extensions: [
        EditorState.readOnly.of(true),
        lineNumbers(),
        json(),
        editorTheme,
        EditorView.contentAttributes.of({ 'aria-label': label, 'aria-readonly': 'true' }),
      ],
    });
    return () => view.destroy();
  }, [text, label]);

  return <div ref={host} className="diff-host read-only-json" data-testid={testId} />;
}
