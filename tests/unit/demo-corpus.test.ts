/**
 * The bundled demo corpus (public/demo/, BEIR layout) is well-formed: every line parses, ids are
 * unique, every judgment points at a known query and document with a score of 1 or 2, every query
 * has at least one score-2 document, and the counts stay within the ranges the demo is built for.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const DEMO = fileURLToPath(new URL('../../public/demo/', import.meta.url));

interface Line {
  n: number;
  text: string;
}

function lines(relPath: string): Line[] {
  const raw = readFileSync(DEMO + relPath, 'utf8');
  expect(raw.endsWith('\n'), `${relPath} ends with a newline`).toBe(true);
  return raw
    .slice(0, -1)
    .split('\n')
    .map((text, i) => ({ n: i + 1, text }));
}

function parseJsonl(relPath: string): Array<Record<string, unknown>> {
  return lines(relPath).map(({ n, text }) => {
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (e) {
      throw new Error(`${relPath} line ${n}: not valid JSON (${(e as Error).message})`);
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      throw new Error(`${relPath} line ${n}: not a JSON object`);
    }
    return value as Record<string, unknown>;
  });
}

function nonEmptyString(v: unknown): v is string {
  return typeof v === 'string' && v.trim().length > 0;
}

function words(s: string): number {
  return s.split(/\s+/).filter(Boolean).length;
}

const corpus = parseJsonl('corpus.jsonl');
const queries = parseJsonl('queries.jsonl');
const qrelLines = lines('qrels/test.tsv');

const docIds = new Set(corpus.map((d) => d['_id']));
const queryIds = new Set(queries.map((q) => q['_id']));

describe('demo corpus.jsonl', () => {
  it('has 40 to 60 documents', () => {
    expect(corpus.length).toBeGreaterThanOrEqual(40);
    expect(corpus.length).toBeLessThanOrEqual(60);
  });

  it('every document has a non-empty _id, title and text, and a section', () => {
    corpus.forEach((d, i) => {
      const where = `corpus.jsonl line ${i + 1}`;
      expect(nonEmptyString(d['_id']), `${where}: _id`).toBe(true);
      expect(nonEmptyString(d['title']), `${where}: title`).toBe(true);
      expect(nonEmptyString(d['text']), `${where}: text`).toBe(true);
      const meta = d['metadata'] as Record<string, unknown> | undefined;
      expect(nonEmptyString(meta?.['section']), `${where}: metadata.section`).toBe(true);
    });
  });

  it('document ids are unique', () => {
    expect(docIds.size).toBe(corpus.length);
  });

  it('every document is 120 to 450 words of text', () => {
    for (const d of corpus) {
      const n = words(String(d['text']));
      expect(n, `${String(d['_id'])}: ${n} words`).toBeGreaterThanOrEqual(120);
      expect(n, `${String(d['_id'])}: ${n} words`).toBeLessThanOrEqual(450);
    }
  });
});

describe('demo queries.jsonl', () => {
  it('has 30 to 40 queries', () => {
    expect(queries.length).toBeGreaterThanOrEqual(30);
    expect(queries.length).toBeLessThanOrEqual(40);
  });

  it('every query has a non-empty _id and text', () => {
    queries.forEach((q, i) => {
      expect(nonEmptyString(q['_id']), `queries.jsonl line ${i + 1}: _id`).toBe(true);
      expect(nonEmptyString(q['text']), `queries.jsonl line ${i + 1}: text`).toBe(true);
    });
  });

  it('query ids are unique and distinct from document ids', () => {
    expect(queryIds.size).toBe(queries.length);
    for (const id of queryIds) expect(docIds.has(id), String(id)).toBe(false);
  });
});

describe('demo qrels/test.tsv', () => {
  const [header, ...rows] = qrelLines;

  it('starts with the BEIR header', () => {
    expect(header?.text).toBe('query-id\tcorpus-id\tscore');
  });

  const judgments = rows.map(({ n, text }) => {
    const fields = text.split('\t');
    return { n, fields, q: fields[0] ?? '', d: fields[1] ?? '', score: Number(fields[2]) };
  });

  it('every line has 3 fields, a known query, a known document and a score of 1 or 2', () => {
    expect(judgments.length).toBeGreaterThan(0);
    for (const j of judgments) {
      const where = `qrels/test.tsv line ${j.n}`;
      expect(j.fields.length, `${where}: field count`).toBe(3);
      expect(queryIds.has(j.q), `${where}: unknown query ${j.q}`).toBe(true);
      expect(docIds.has(j.d), `${where}: unknown document ${j.d}`).toBe(true);
      expect([1, 2], `${where}: score ${j.fields[2]}`).toContain(j.score);
      expect(j.fields[2], `${where}: score is an integer literal`).toMatch(/^[12]$/);
    }
  });

  it('judges each (query, document) pair at most once', () => {
    const pairs = judgments.map((j) => `${j.q}\t${j.d}`);
    expect(new Set(pairs).size).toBe(pairs.length);
  });

  it('every query has at least one score-2 document and at most 4 judgments', () => {
    for (const id of queryIds) {
      const mine = judgments.filter((j) => j.q === id);
      expect(mine.some((j) => j.score === 2), `${String(id)} has a score-2 judgment`).toBe(true);
      expect(mine.length, `${String(id)} judgment count`).toBeLessThanOrEqual(4);
    }
  });
});
