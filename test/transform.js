// Jest transformer: esbuild strips the types (no type-checking; `npm run typecheck` is the type gate).
// esbuild, unlike swc, publishes every platform binary to the registry, so `npm ci` works everywhere.
const { transformSync } = require('esbuild');
const { createHash } = require('node:crypto');
const { version } = require('esbuild/package.json');

module.exports = {
  getCacheKey(source, file) {
    return createHash('sha1').update(version).update(file).update(source).digest('hex');
  },
  process(source, file) {
    const { code, map } = transformSync(source, {
      loader: 'ts',
      format: 'cjs',
      target: 'es2022',
      sourcefile: file,
      sourcemap: 'both',
      keepNames: true,
    });
    return { code, map };
  },
};
