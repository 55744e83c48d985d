/**
 * Reads a data set in the BEIR layout: corpus.jsonl, queries.jsonl (optionally gzipped) and
 * test.tsv (at the top or under qrels/), header `query-id corpus-id score`.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import type { Judgments } from './eval';

export interface BeirDocument {
  readonly id: string;
  readonly title: string;
  readonly text: string;
}

export interface BeirQuery {
  readonly id: string;
  readonly text: string;
}

export interface BeirDataset {
  readonly corpus: BeirDocument[];
  readonly queries: BeirQuery[];
  readonly qrels: Map<string, Judgments>;
  readonly judgmentCount: number;
}

function findFile(folder: string, candidates: readonly string[]): string {
  for (const candidate of candidates) {
    const file = path.join(folder, candidate);
    if (existsSync(file)) return file;
  }
  throw new Error(`${folder} has none of ${candidates.join(', ')}`);
}

function readText(file: string): string {
  const raw = readFileSync(file);
  return (file.endsWith('.gz') ? gunzipSync(raw) : raw).toString('utf8');
}

function readJsonl(file: string): Record<string, unknown>[] {
  return readText(file)
    .split('\n')
    .map((line, i) => [line.trim(), i + 1] as const)
    .filter(([line]) => line.length > 0)
    .map(([line, number]) => {
      try {
        return JSON.parse(line) as Record<string, unknown>;
      } catch {
        throw new Error(`${file} line ${number} is not JSON`);
      }
    });
}

const asString = (value: unknown): string => (typeof value === 'string' ? value : value == null ? '' : String(value));

export function parseQrels(tsv: string): { qrels: Map<string, Map<string, number>>; count: number } {
  const qrels = new Map<string, Map<string, number>>();
  let count = 0;
  for (const line of tsv.split('\n')) {
    const [queryId, docId, score] = line.trim().split('\t');
    if (!queryId || !docId || queryId === 'query-id') continue;
    const grade = Number(score ?? 1);
    if (!Number.isFinite(grade)) throw new Error(`bad relevance score in qrels line: ${line}`);
    let judgments = qrels.get(queryId);
    if (!judgments) qrels.set(queryId, (judgments = new Map()));
    judgments.set(docId, grade);
    count += 1;
  }
  return { qrels, count };
}

export function readBeir(folder: string): BeirDataset {
  const corpus = readJsonl(findFile(folder, ['corpus.jsonl', 'corpus.jsonl.gz'])).map((row) => ({
    id: asString(row._id),
    title: asString(row.title),
    text: asString(row.text),
  }));
  const queries = readJsonl(findFile(folder, ['queries.jsonl', 'queries.jsonl.gz'])).map((row) => ({
    id: asString(row._id),
    text: asString(row.text),
  }));
  const { qrels, count } = parseQrels(readText(findFile(folder, ['test.tsv', 'qrels/test.tsv'])));
  return { corpus, queries, qrels, judgmentCount: count };
}
