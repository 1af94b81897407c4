/**
 * `scheme://user:secret@host` anywhere in free text becomes `scheme://user:***@host`, for log lines that may
 * quote a connection URL (a server's own messages, an error cause). Structured fields use `redactUrl`.
 */
export function redactUrlPasswords(text: string): string {
  return text.replace(/\b([a-z][a-z0-9+.-]*:\/\/[^\s:/@]*:)[^\s@/]+@/gi, '$1***@');
}
