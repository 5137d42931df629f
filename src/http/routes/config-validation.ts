import { ConfigTooLarge } from '../../domain/errors.js';
import { formatJsonText, memberText } from '../../domain/json-text.js';
import type { ConfigStore } from '../../storage/config-store.js';
import type { ValidationResult } from '../../storage/config-validation.js';
import { keptText } from '../../storage/kept-bytes.js';

/** The bytes a PUT body's `content` is stored as: as the client wrote it, pretty-printed. The route's schema has checked it is an object. */
export function storedBytes(mac: string, bodyText: string, maxFileBytes: number): Buffer {
  const contentText = memberText(bodyText, 'content')!;
  const formatted = formatJsonText(contentText, maxFileBytes);
  if (formatted === undefined) throw new ConfigTooLarge(mac, maxFileBytes);
  return keptText(`${formatted}\n`);
}

/** How config bytes fare against the schemas as they are now. */
export async function configValidation(store: ConfigStore, bytes: Buffer): Promise<ValidationResult> {
  await store.validation.schemas.fresh();
  return store.validation.resultOf(bytes);
}
