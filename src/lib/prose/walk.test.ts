import { describe, expect, it } from 'vitest';
import type { Element, Root, Text } from 'hast';
import { walk } from './walk.ts';

const t = (value: string): Text => ({ type: 'text', value });
const el = (tagName: string, ...children: Element['children']): Element => ({ type: 'element', tagName, properties: {}, children });
const tree = (): Root => ({ type: 'root', children: [el('p', t('a'), el('em', t('b'))), el('ul', el('li', t('c')))] });

describe('walk', () => {
  it('visits every node in document order, each with its ancestors, parent last', () => {
    const seen: string[] = [];
    walk(tree(), (node, ancestors) => {
      const name = node.type === 'element' ? node.tagName : node.type === 'text' ? node.value : node.type;
      seen.push(`${ancestors.map((a) => (a.type === 'element' ? a.tagName : a.type)).join('>')}:${name}`);
    });
    expect(seen).toEqual(['root:p', 'root>p:a', 'root>p:em', 'root>p>em:b', 'root:ul', 'root>ul:li', 'root>ul>li:c']);
  });

  it("passes by a node's children on 'skip', and goes on at the index it is given", () => {
    const root = tree();
    const seen: string[] = [];
    walk(root, (node, ancestors, index) => {
      if (node.type === 'element' && node.tagName === 'em') return 'skip';
      if (node.type === 'text' && node.value === 'a') {
        // Replaced by two nodes, which are not visited.
        ancestors.at(-1)!.children.splice(index, 1, t('a1'), t('a2'));
        return index + 2;
      }
      if (node.type === 'text') seen.push(node.value);
    });
    expect(seen).toEqual(['c']);
    expect((root.children[0] as Element).children.map((c) => (c.type === 'text' ? c.value : (c as Element).tagName))).toEqual(['a1', 'a2', 'em']);
  });
});
