import { defineCollection } from 'astro:content';
import { glob } from 'astro/loaders';
import { pathToFileURL } from 'node:url';
import path from 'node:path';
import { Session } from './kb/session.ts';
const contentDir = path.resolve(process.env.KB_CONTENT_DIR ?? 'content');
export const collections = {
  briefings: defineCollection({
    loader: glob({ pattern: '**/*.mdx', base: pathToFileURL(path.join(contentDir, 'briefings') + '/'), generateId: ({ entry }) => entry.replace(/\.mdx$/, '') }),
    schema: Session,
  }),
};
