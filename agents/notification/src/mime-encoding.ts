/**
 * The two MIME encodings a plain-text email needs: RFC 2047 encoded-words for header text that is not plain
 * ASCII, and RFC 2045 quoted-printable for a body that is not short-lined ASCII. Output lines end in CRLF.
 */

/** Printable ASCII and space: what a header may carry as it is. */
const PLAIN_HEADER_TEXT = /^[\x20-\x7e]*$/;
/** Printable ASCII, space and tab: what a 7bit body line may carry. */
const PLAIN_BODY_LINE = /^[\x20-\x7e\t]*$/;
/** Lines of a 7bit body and quoted-printable lines stay within this (RFC 2045 §6.7). */
const MAX_BODY_LINE = 76;
/** Bytes of UTF-8 per B encoded-word: 52 base64 characters, 64 with `=?UTF-8?B?` and `?=`, so a line with a
 * header name of up to 14 characters stays within 78. */
const WORD_BYTES = 39;

/**
 * A header field `Name: value`, folded so lines stay short: plain ASCII folds at spaces, anything else (non-
 * ASCII, control characters, a word too long to fold, text a reader would decode as an encoded-word) becomes
 * UTF-8 encoded-words, one per line. CR and LF in the value become spaces (a header value is one line of text;
 * a line break there would forge headers).
 */
export function headerField(name: string, value: string): string {
  const text = value.replace(/\r\n|[\r\n]/g, ' ');
  if (PLAIN_HEADER_TEXT.test(text) && !text.includes('=?')) {
    const folded = foldAtSpaces(`${name}: ${text}`);
    if (folded !== undefined) return folded;
  }
  return `${name}: ${encodedWords(text).join('\r\n ')}`;
}

/** A display name for an address header: as it is, quoted, or encoded-words, whichever it needs. */
export function displayName(name: string): string {
  const text = name.replace(/\r\n|[\r\n]/g, ' ');
  if (/^[A-Za-z0-9!#$%&'*+/=?^_`{|}~ -]*$/.test(text)) return text;
  if (PLAIN_HEADER_TEXT.test(text) && !text.includes('=?')) return `"${text.replace(/["\\]/g, '\\$&')}"`;
  return encodedWords(text).join(' ');
}

/** UTF-8 base64 encoded-words, each whole characters and at most WORD_BYTES bytes of text. */
export function encodedWords(text: string): string[] {
  const words: string[] = [];
  let chunk = '';
  let bytes = 0;
  for (const char of text) {
    const size = Buffer.byteLength(char);
    if (bytes + size > WORD_BYTES && chunk !== '') {
      words.push(encodedWord(chunk));
      chunk = '';
      bytes = 0;
    }
    chunk += char;
    bytes += size;
  }
  if (chunk !== '' || words.length === 0) words.push(encodedWord(chunk));
  return words;
}

function encodedWord(text: string): string {
  return `=?UTF-8?B?${Buffer.from(text, 'utf8').toString('base64')}?=`;
}

/** Folds `line` at spaces into lines of at most 78 characters; undefined when a word will not fit in 998. */
function foldAtSpaces(line: string): string | undefined {
  if (line.length <= 78) return line;
  const lines: string[] = [];
  let rest = line;
  while (rest.length > 78) {
    // Fold before a space (the space starts the continuation line), never at the start of the field.
    let at = rest.lastIndexOf(' ', 78);
    if (at <= 0) at = rest.indexOf(' ', 79);
    if (at <= 0) break;
    lines.push(rest.slice(0, at));
    rest = rest.slice(at);
  }
  lines.push(rest);
  return lines.every((part) => part.length <= 998 && part.trim() !== '') ? lines.join('\r\n') : undefined;
}

/** The body's lines with CRLF ends, and the transfer encoding that carries them: 7bit when it can. */
export function encodeBody(text: string): { encoding: '7bit' | 'quoted-printable'; body: string } {
  const lines = text.split(/\r\n|\r|\n/);
  if (lines.every((line) => line.length <= MAX_BODY_LINE && PLAIN_BODY_LINE.test(line))) {
    return { encoding: '7bit', body: lines.join('\r\n') };
  }
  return { encoding: 'quoted-printable', body: lines.map(quotedPrintableLine).join('\r\n') };
}

/** One line of text as quoted-printable: soft breaks (`=`) keep every output line within 76 characters. */
function quotedPrintableLine(line: string): string {
  const bytes = Buffer.from(line, 'utf8');
  const out: string[] = [];
  let current = '';
  for (let i = 0; i < bytes.length; i += 1) {
    const byte = bytes[i] as number;
    const last = i === bytes.length - 1;
    // Space and tab as they are, except at the end of a line, where transports may strip them.
    const literal = (byte >= 33 && byte <= 126 && byte !== 61) || ((byte === 32 || byte === 9) && !last);
    const piece = literal
      ? String.fromCharCode(byte)
      : `=${byte.toString(16).toUpperCase().padStart(2, '0')}`;
    // Room for the piece plus the soft break's `=`, unless this is the line's last piece.
    if (current.length + piece.length > (last ? MAX_BODY_LINE : MAX_BODY_LINE - 1)) {
      out.push(`${current}=`);
      current = '';
    }
    current += piece;
  }
  out.push(current);
  return out.join('\r\n');
}
