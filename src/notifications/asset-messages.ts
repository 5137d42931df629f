import type { OutgoingMessage } from './config-messages.js';

/** `<prefix>/updates/assets`: where the old backend announced uploaded firmware. */
export const assetTopic = (prefix: string): string => `${prefix}/updates/assets`;

/** The message for a stored upload: `{"filename": …}`, not retained, as the old backend sent it. */
export function assetUploadedMessage(prefix: string, filename: string): OutgoingMessage {
  const topic = assetTopic(prefix);
  return { topic, topicLabel: topic, payload: JSON.stringify({ filename }) };
}
