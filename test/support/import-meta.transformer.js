/**
 * Jest transformer for ES-module-only packages that use `import.meta` (@nestjs/terminus 12):
 * Node loads them natively (require of ESM), Jest's CommonJS runtime cannot. Rewrites the few
 * `import.meta` uses to their CommonJS equivalents, then hands the file to ts-jest.
 */
const tsJest = require('ts-jest').default;

const rewrite = (source) =>
  source
    .replace(/^const require = createRequire\(import\.meta\.url\);$/m, '')
    .replace(/import\.meta\.resolve\(/g, 'require.resolve(')
    .replace(/import\.meta\.dirname/g, '__dirname')
    .replace(/import\.meta\.url/g, "require('node:url').pathToFileURL(__filename).href");

module.exports = {
  createTransformer(config) {
    const inner = tsJest.createTransformer(config);
    return {
      canInstrument: inner.canInstrument,
      getCacheKey: (source, path, options) =>
        `import-meta-${inner.getCacheKey(rewrite(source), path, options)}`,
      process: (source, path, options) => inner.process(rewrite(source), path, options),
    };
  },
};
