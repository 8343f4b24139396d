// A depth-first walk over a hast tree in document order, for the prose transforms. Why not
// unist-util-visit-parents: it makes a closure and names a function for every node it visits,
// and with five walks of every briefing that was a third of the time the prose took to render.
import type { Parents, Root, RootContent } from 'hast';

/**
 * What a visitor returns: nothing to go on into the node's children, `'skip'` to pass them by,
 * or the index in the parent to go on at (after nodes it put in the node's place, say).
 */
export type Next = void | 'skip' | number;

/** Visits every node below `tree` with its ancestors (root first; the parent is the last). */
export function walk(tree: Root, visit: (node: RootContent, ancestors: readonly Parents[], index: number) => Next): void {
  const ancestors: Parents[] = [];
  const into = (parent: Parents) => {
    ancestors.push(parent);
    for (let i = 0; i < parent.children.length; ) {
      const node = parent.children[i]!;
      const next = visit(node, ancestors, i);
      if (typeof next === 'number') {
        i = next;
        continue;
      }
      if (next !== 'skip' && 'children' in node) into(node);
      i++;
    }
    ancestors.pop();
  };
  into(tree);
}
