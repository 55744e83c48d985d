/**
 * The retrieval code is laid out by role: pure algorithms, the indexes and the contracts their
 * backends implement, and one folder per backend. These checks keep it so: a backend depends on
 * the contracts, never on the index that opens it (which would make an import cycle), and the
 * algorithms depend on no storage at all.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '../../../src/providers/retrieval');
/** The index implementations (they open the backends); contracts such as vector-index.ts are not among them. */
const INDEXES = /^(lexical-index|stored-vector-index|store-mirror)\.ts$/;

/** Every .ts file under the retrieval folder, relative to it, with the retrieval files it imports (types too). */
function importGraph(): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  const files = (readdirSync(ROOT, { recursive: true }) as string[]).filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts'));
  for (const file of files) {
    const source = readFileSync(path.join(ROOT, file), 'utf8');
    const imports = [...source.matchAll(/(?:from|import)\s*\(?\s*'(\.{1,2}\/[^']+)'/g)]
      .map((m) => `${path.relative(ROOT, path.resolve(ROOT, path.dirname(file), m[1]!))}.ts`)
      .filter((target) => !target.startsWith('..'));
    graph.set(file, imports);
  }
  return graph;
}

describe('retrieval layout', () => {
  const graph = importGraph();

  it('has no import cycle, counting type-only imports', () => {
    const cycles: string[] = [];
    const done = new Set<string>();
    const visit = (file: string, trail: string[]): void => {
      if (trail.includes(file)) {
        cycles.push([...trail.slice(trail.indexOf(file)), file].join(' → '));
        return;
      }
      if (done.has(file)) return;
      for (const next of graph.get(file) ?? []) visit(next, [...trail, file]);
      done.add(file);
    };
    for (const file of graph.keys()) visit(file, []);
    expect(cycles).toEqual([]);
  });

  it('keeps algorithms free of storage, and each backend apart from the other and from the indexes that open it', () => {
    const wrong: string[] = [];
    for (const [file, imports] of graph) {
      const folder = file.split(path.sep)[0];
      for (const target of imports) {
        const targetFolder = target.split(path.sep)[0];
        const storage = targetFolder === 'sqlite' || targetFolder === 'postgres' || INDEXES.test(target);
        if (folder === 'algorithms' && storage) wrong.push(`${file} → ${target}`);
        if ((folder === 'sqlite' || folder === 'postgres') && INDEXES.test(target)) wrong.push(`${file} → ${target}`);
        if (folder === 'sqlite' && targetFolder === 'postgres') wrong.push(`${file} → ${target}`);
        if (folder === 'postgres' && targetFolder === 'sqlite') wrong.push(`${file} → ${target}`);
      }
    }
    expect(wrong).toEqual([]);
    // The check saw the folders it guards.
    expect([...graph.keys()].filter((f) => f.startsWith(`sqlite${path.sep}`)).length).toBeGreaterThan(0);
    expect([...graph.keys()].filter((f) => f.startsWith(`postgres${path.sep}`)).length).toBeGreaterThan(0);
    expect([...graph.keys()].filter((f) => f.startsWith(`algorithms${path.sep}`)).length).toBeGreaterThan(0);
  });
});
