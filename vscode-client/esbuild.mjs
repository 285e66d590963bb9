// Bundles src/extension.ts and vscode-languageclient into dist/extension.js (the .vsix ships no
// node_modules). `--production` minifies without source maps; `--watch` rebuilds on change;
// `--tests` builds test/*.test.ts into out/test/ for mocha instead.
import { readdirSync, rmSync } from 'node:fs';

import * as esbuild from 'esbuild';

const production = process.argv.includes('--production');
const watch = process.argv.includes('--watch');
const tests = process.argv.includes('--tests');

const options = {
  entryPoints: ['src/extension.ts'],
  bundle: true,
  outfile: 'dist/extension.js',
  external: ['vscode'],
  format: 'cjs',
  platform: 'node',
  target: 'node18',
  minify: production,
  sourcemap: !production,
  sourcesContent: false,
  logLevel: 'info',
};

if (tests) {
  rmSync('out/test', { recursive: true, force: true });
  await esbuild.build({
    entryPoints: readdirSync('test').filter((f) => f.endsWith('.test.ts')).map((f) => `test/${f}`),
    bundle: true,
    outdir: 'out/test',
    external: ['vscode'],
    format: 'cjs',
    platform: 'node',
    target: 'node18',
    sourcemap: true,
    logLevel: 'warning',
  });
} else if (watch) {
  const context = await esbuild.context(options);
  await context.watch();
} else {
  if (production) {
    rmSync(`${options.outfile}.map`, { force: true }); // left by a development build
  }
  await esbuild.build(options);
}
