/** Reading plans from YAML text or files, keeping line numbers for error messages. */
import { readFileSync } from 'node:fs';
import { isMap, isPair, isScalar, isSeq, LineCounter, parseDocument, type Node } from 'yaml';
import { PlanError, type PlanProblem } from './errors.js';
import type { Plan } from './types.js';
import type { ResolvedPlan } from './allocators.js';
import { preparePlan, type PrepareOptions } from './prepare.js';
import { validatePlan, type LocateLine, type PlanPath } from './validate.js';

/** Finds the line of the deepest node on `path` (the key's line for a mapping entry). */
function lineLocator(root: unknown, lines: LineCounter): (path: PlanPath) => number | undefined {
  return (path) => {
    let node: unknown = root;
    let offset: number | undefined;
    for (const part of path) {
      if (isMap(node)) {
        const pair = node.items.find((p) => isPair(p) && isScalar(p.key) && String(p.key.value) === String(part));
        if (pair === undefined) break;
        const key = pair.key as Node;
        offset = key.range?.[0] ?? offset;
        node = pair.value;
      } else if (isSeq(node) && typeof part === 'number') {
        const item = node.items[part] as Node | undefined;
        if (item === undefined) break;
        offset = item.range?.[0] ?? offset;
        node = item;
      } else break;
    }
    if (offset === undefined && path.length === 0 && (root as Node | null)?.range) offset = (root as Node).range?.[0];
    return offset === undefined ? undefined : lines.linePos(offset).line;
  };
}

/** A plan document read from YAML: the plain object, and where each field is in the text. */
export interface PlanDocument {
  raw: unknown;
  locate: LocateLine;
}

/** Parses YAML text (not yet validated). Throws PlanError for text that is not one YAML document. */
export function parsePlanDocument(text: string, source: string): PlanDocument {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false });
  if (doc.errors.length > 0) {
    const problems: PlanProblem[] = doc.errors.map((e) => {
      // The library's own advice for this one ("use parseAllDocuments") means nothing to a plan author.
      const got = e.code === 'MULTIPLE_DOCS' ? 'more than one YAML document' : (e.message.split('\n')[0] ?? e.message);
      const p: PlanProblem = { source, path: '', expected: 'valid YAML', got };
      p.line = lines.linePos(e.pos[0]).line;
      return p;
    });
    throw new PlanError(problems);
  }
  if (doc.contents === null) {
    throw new PlanError([{ source, path: '', expected: 'a mapping with at least a "variants" list', got: 'an empty document' }]);
  }
  return { raw: doc.toJS({ maxAliasCount: 100 }) as unknown, locate: lineLocator(doc.contents, lines) };
}

/** Parses and validates a plan from YAML text. `source` names the file in error messages. */
export function parsePlanText(text: string, source: string): Plan {
  const { raw, locate } = parsePlanDocument(text, source);
  return validatePlan(raw, source, locate);
}

function readPlanText(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    throw new PlanError([{ source: file, path: '', expected: 'a readable plan file', got: (err as Error).message }]);
  }
}

/** Reads, parses and validates a plan file. A missing or unreadable file is a PlanError too. */
export function loadPlanFile(file: string): Plan {
  return parsePlanText(readPlanText(file), file);
}

/**
 * Reads a plan file and checks everything before anything runs (preparePlan): what the plan says,
 * libraries, commands and random_mixed's arguments, every problem in one PlanError.
 */
export async function loadPlan(file: string, opts: Omit<PrepareOptions, 'locate'> = {}): Promise<ResolvedPlan> {
  const { raw, locate } = parsePlanDocument(readPlanText(file), file);
  return preparePlan(raw, file, { ...opts, locate });
}
