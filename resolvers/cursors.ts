/** Opaque cursors: base64url of `<kind>:<id>`, so clients cannot mistake them for ids. */
export function encodeCursor(kind: string, id: number): string {
  return Buffer.from(`${kind}:${id}`).toString('base64url');
}

export function decodeCursor(kind: string, cursor: string): number | null {
  const [k, id] = Buffer.from(cursor, 'base64url').toString().split(':');
  const n = Number(id);
  return k === kind && Number.isSafeInteger(n) && n > 0 ? n : null;
}
