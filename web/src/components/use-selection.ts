import { useRef, useState } from 'react';

/**
 * The devices ticked in the list, by MAC. A shift-click ticks (or unticks) every row between the last one clicked and
 * this one, in the order shown. MACs that leave the list (deleted elsewhere) drop out of the selection.
 */
export function useSelection(shownMacs: readonly string[], listedMacs: ReadonlySet<string> | null) {
  const [selected, setSelected] = useState<ReadonlySet<string>>(new Set());
  const anchor = useRef<string | null>(null);
  const present = listedMacs ? [...selected].filter((mac) => listedMacs.has(mac)) : [...selected];
  if (present.length !== selected.size) setSelected(new Set(present));

  const select = (mac: string, on: boolean, range: boolean) => {
    const next = new Set(selected);
    const from = anchor.current === null ? -1 : shownMacs.indexOf(anchor.current);
    const to = shownMacs.indexOf(mac);
    if (range && from !== -1 && to !== -1) {
      for (const each of shownMacs.slice(Math.min(from, to), Math.max(from, to) + 1)) {
        if (on) next.add(each);
        else next.delete(each);
      }
    } else if (on) next.add(mac);
    else next.delete(mac);
    anchor.current = mac;
    setSelected(next);
  };
  const selectAll = (macs: readonly string[], on: boolean) => {
    const next = new Set(selected);
    for (const mac of macs) {
      if (on) next.add(mac);
      else next.delete(mac);
    }
    setSelected(next);
  };
  const clear = () => setSelected(new Set());
  return { selected, select, selectAll, clear };
}
