/** Builds the admin panel client (web/client → web/dist/admin/app.js + app.css) with esbuild. */
import { copyFileSync, mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = fileURLToPath(new URL('..', import.meta.url));

export async function buildWeb(): Promise<void> {
  mkdirSync(`${root}/web/dist/admin`, { recursive: true });
  await build({
    entryPoints: [`${root}/web/client/main.ts`],
    bundle: true,
    format: 'esm',
    target: 'es2022',
    minify: true,
    outfile: `${root}/web/dist/admin/app.js`,
    logLevel: 'warning',
  });
  copyFileSync(`${root}/web/client/app.css`, `${root}/web/dist/admin/app.css`);
}

if (import.meta.url === `file://${process.argv[1]}`) await buildWeb();
