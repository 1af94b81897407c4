import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { isMap, isNode, isPair, isScalar, isSeq, LineCounter, parseDocument } from 'yaml';
import type { Document, Node, Pair, YAMLMap, YAMLSeq } from 'yaml';
import { MeshError } from '@mesh/common';

/**
 * One YAML deploy file, parsed with positions: checks name `file:line:col` of what they found, and edits
 * splice new lines into the text at a node's end, so every other byte (comments, anchors, the formatter's
 * style) stays as it was.
 */
export interface YamlSource {
  /** Repository-relative path, as messages name it. */
  readonly path: string;
  readonly text: string;
  readonly doc: Document;
  /** `path:line:col` of a node (or of the file's first line). */
  locate(node: unknown): string;
}

/** Parses YAML text; throws VALIDATION_FAILED naming the file when it is not valid YAML. */
export function parseYamlSource(path: string, text: string): YamlSource {
  const lines = new LineCounter();
  // merge: `<<: *anchor` keys apply when values are read (compose files build services from anchors).
  const doc = parseDocument(text, { lineCounter: lines, merge: true });
  const [error] = doc.errors;
  if (error !== undefined) {
    throw new MeshError('VALIDATION_FAILED', `${path} is not valid YAML: ${error.message.split('\n')[0]}`);
  }
  return {
    path,
    text,
    doc,
    locate(node: unknown): string {
      const start = isNode(node) || isPair(node) ? rangeStart(node) : undefined;
      if (start === undefined) return `${path}:1:1`;
      const { line, col } = lines.linePos(start);
      return `${path}:${line}:${col}`;
    },
  };
}

/** Reads a deploy file under `root`; undefined when the file does not exist. */
export function readYamlSource(root: string, path: string): YamlSource | undefined {
  const file = join(root, path);
  return existsSync(file) ? parseYamlSource(path, readFileSync(file, 'utf8')) : undefined;
}

function rangeStart(node: Node | Pair): number | undefined {
  if (isPair(node)) return isNode(node.key) ? node.key.range?.[0] : undefined;
  return node.range?.[0];
}

/** The map at `path`, or undefined when it is absent or not a map. */
export function mapAt(source: YamlSource, path: readonly string[]): YAMLMap | undefined {
  const node = path.length === 0 ? source.doc.contents : source.doc.getIn(path, true);
  return isMap(node) ? node : undefined;
}

/** The sequence at `path`, or undefined when it is absent or not a sequence. */
export function seqAt(source: YamlSource, path: readonly string[]): YAMLSeq | undefined {
  const node = source.doc.getIn(path, true);
  return isSeq(node) ? node : undefined;
}

/** A map's pairs with plain string keys, in file order. */
export function pairsOf(map: YAMLMap | undefined): { key: string; pair: Pair }[] {
  return (map?.items ?? []).flatMap((pair) =>
    isScalar(pair.key) && typeof pair.key.value === 'string' ? [{ key: pair.key.value, pair }] : [],
  );
}

/** Where a pair or node ends: the start of the line after it (the file's end when it is the last). */
export function endOf(text: string, node: Node | Pair): number {
  const last = isPair(node) ? (isNode(node.value) ? node.value : node.key) : node;
  const end = isNode(last) ? (last.range?.[2] ?? text.length) : text.length;
  if (end === 0 || text[end - 1] === '\n') return end;
  const newline = text.indexOf('\n', end);
  return newline < 0 ? text.length : newline + 1;
}

/** The indentation (in spaces) of the line that holds `offset`. */
export function indentAt(text: string, offset: number): number {
  const lineStart = text.lastIndexOf('\n', offset - 1) + 1;
  let spaces = 0;
  while (text[lineStart + spaces] === ' ') spaces += 1;
  return spaces;
}

/**
 * True when a blank line comes before the line holding `offset`, past any comment lines just above it: the
 * file separates its entries so (a section comment may sit between).
 */
export function blankLineBefore(text: string, offset: number): boolean {
  let lineStart = text.lastIndexOf('\n', offset - 1) + 1;
  while (lineStart >= 2) {
    const previousStart = text.lastIndexOf('\n', lineStart - 2) + 1;
    const previous = text.slice(previousStart, lineStart - 1).trim();
    if (previous === '') return true;
    if (!previous.startsWith('#')) return false;
    lineStart = previousStart;
  }
  return false;
}

/** Inserts whole lines at `offset` (a line start, or the end of a file without a final newline). */
export function insertLines(text: string, offset: number, lines: string): string {
  const block = lines.endsWith('\n') ? lines : `${lines}\n`;
  const lead = offset > 0 && text[offset - 1] !== '\n' ? '\n' : '';
  return `${text.slice(0, offset)}${lead}${block}${text.slice(offset)}`;
}

/** Indents every non-empty line of `block` by `spaces`. */
export function indent(block: string, spaces: number): string {
  const pad = ' '.repeat(spaces);
  return block
    .split('\n')
    .map((line) => (line === '' ? line : `${pad}${line}`))
    .join('\n');
}

/** The anchors a document defines (`&name`), so an edit refuses to write an alias that would not resolve. */
export function anchorsOf(doc: Document): Set<string> {
  const anchors = new Set<string>();
  const visit = (node: unknown): void => {
    if (isPair(node)) {
      visit(node.key);
      visit(node.value);
      return;
    }
    if (!isNode(node)) return;
    if (node.anchor) anchors.add(node.anchor);
    if (isMap(node) || isSeq(node)) for (const item of node.items) visit(item);
  };
  visit(doc.contents);
  return anchors;
}
