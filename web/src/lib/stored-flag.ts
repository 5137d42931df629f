/** A yes/no choice remembered in this browser (localStorage); false when storage is disabled or holds nothing. */
export function readStoredFlag(key: string): boolean {
  try {
    return localStorage.getItem(key) === 'true';
  } catch {
    return false;
  }
}

export function storeFlag(key: string, value: boolean): void {
  try {
    localStorage.setItem(key, String(value));
  } catch {
    // Storage can be disabled; the choice then lasts for this visit.
  }
}
