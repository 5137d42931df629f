/** Saves a blob as a download under `fileName`. */
export function saveAs(blob: Blob, fileName: string): void {
  const url = URL.createObjectURL(blob);
  const link = document.createElement('a');
  link.href = url;
  link.download = fileName;
  document.body.append(link);
  link.click();
  link.remove();
  // After the click has handed the download to the browser.
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}
