// Bundles src/extension.ts and vscode-languageclient into dist/extension.js (the .vsix ships no
// node_modules). `--production` minifies without source maps; `--watch` rebuilds on change.
import { rmSync } from 'node:fs';

import * as esbuild from 'esbuild';

const production = process.argv.includes('--production');
const watch = process.argv.includes('--watch');

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

if (watch) {
  const context = await esbuild.context(options);
  await context.watch();
} else {
  if (production) {
    rmSync(`${options.outfile}.map`, { force: true }); // left by a development build
  }
  await esbuild.build(options);
}
