import { syntaxTree } from '@codemirror/language';
import { Compartment, RangeSetBuilder, type Extension } from '@codemirror/state';
import { Decoration, EditorView, ViewPlugin, WidgetType, type DecorationSet, type ViewUpdate } from '@codemirror/view';

/** Keys whose string values are secrets: shown masked until the person reveals them. */
export const SECRET_KEY = /password|secret|token|psk/i;

class MaskWidget extends WidgetType {
  override eq(): boolean {
    return true;
  }

  toDOM(): HTMLElement {
    const mask = document.createElement('span');
    mask.className = 'cm-secret-mask';
    mask.textContent = '"••••••••"';
    mask.setAttribute('aria-label', 'hidden secret');
    mask.setAttribute('data-testid', 'secret-mask');
    return mask;
  }
}

const masked = Decoration.replace({ widget: new MaskWidget() });

/** The string values of secret keys in the visible part of the document, replaced (on screen only) by a mask. */
function maskSecrets(view: EditorView): DecorationSet {
  const builder = new RangeSetBuilder<Decoration>();
  const { state } = view;
  for (const { from, to } of view.visibleRanges) {
    syntaxTree(state).iterate({
      from,
      to,
      enter(node) {
        if (node.name !== 'Property') return;
        const name = node.node.getChild('PropertyName');
        const value = name?.nextSibling?.nextSibling ?? null;
        if (!name || value?.name !== 'String') return;
        if (SECRET_KEY.test(state.sliceDoc(name.from, name.to))) builder.add(value.from, value.to, masked);
      },
    });
  }
  return builder.finish();
}

const maskPlugin = ViewPlugin.fromClass(
  class {
    decorations: DecorationSet;

    constructor(view: EditorView) {
      this.decorations = maskSecrets(view);
    }

    update(update: ViewUpdate) {
      if (update.docChanged || update.viewportChanged || syntaxTree(update.startState) !== syntaxTree(update.state)) {
        this.decorations = maskSecrets(update.view);
      }
    }
  },
  {
    decorations: (plugin) => plugin.decorations,
    // The cursor steps over a masked value whole, and a deletion takes it whole: nobody edits what they cannot see.
    provide: (plugin) => EditorView.atomicRanges.of((view) => view.plugin(plugin)?.decorations ?? Decoration.none),
  },
);

/**
 * Masks secrets in a JSON editor until revealed. It decorates the view only: the document, and so the bytes saved,
 * stay exactly as typed. Reconfigure `secretMasking.compartment` with `secretMasking.of(revealed)` to toggle.
 */
export const secretMasking = {
  compartment: new Compartment(),
  of(revealed: boolean): Extension {
    return revealed ? [] : maskPlugin;
  },
};
