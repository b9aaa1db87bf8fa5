import { quietBundlerLogger } from '../support/scratch-database';
import { builtinModules } from 'node:module';
import * as path from 'node:path';
import * as vm from 'node:vm';
import { bundleWorkflowCode } from '@temporalio/worker';

const ROOT = path.resolve(__dirname, '../..');
const MAX_BYTES = 2 * 1024 * 1024;

/** The files webpack put in the bundle, from its inline source map (absolute paths). */
function bundledSources(code: string): string[] {
  const marker = '//# sourceMappingURL=data:application/json;charset=utf-8;base64,';
  const at = code.lastIndexOf(marker);
  if (at < 0) throw new Error('the bundle has no inline source map');
  const map = JSON.parse(Buffer.from(code.slice(at + marker.length), 'base64').toString('utf8'));
  return (map as { sources: string[] }).sources;
}

/**
 * Proves that everything workflow code imports resolves in Temporal's webpack bundler (which does
 * not know the `@engine/*` aliases), and that the bundle stays free of Node built-ins and small.
 */
describe('workflow bundle', () => {
  let code: string;

  beforeAll(async () => {
    ({ code } = await bundleWorkflowCode({
      workflowsPath: require.resolve('../../workflows'),
      logger: quietBundlerLogger,
    }));
  });

  it('defines the review and workstream workflows', () => {
    // Loaded the way the worker loads it: evaluated in its own context, then asked for the
    // workflows module (`__TEMPORAL__` and the module cache are what the bundle expects).
    const context = vm.createContext({ __webpack_module_cache__: {} });
    vm.runInContext(code, context, { filename: 'workflow-bundle.js' });
    const workflows = (
      context.__TEMPORAL__ as { importWorkflows(): Record<string, unknown> }
    ).importWorkflows();
    expect(typeof workflows.reviewWorkflow).toBe('function');
    expect(typeof workflows.workstreamWorkflow).toBe('function');
  });

  it('requires no Node built-in', () => {
    const names = builtinModules.flatMap((m) => [m, `node:${m}`]);
    const required = [...code.matchAll(/\brequire\(\s*["']([^"']+)["']\s*\)/g)].map((m) => m[1]);
    expect(required.filter((name) => names.includes(name))).toEqual([]);
  });

  it('holds only workflow and domain code of this project', () => {
    const ours = bundledSources(code)
      .filter((s) => s.startsWith(ROOT) && !s.includes(`${path.sep}node_modules${path.sep}`))
      .map((s) => path.relative(ROOT, s));
    expect(ours).toEqual(expect.arrayContaining(['workflows/index.ts']));
    expect(ours.filter((s) => !/^(workflows|libs\/domain\/src)\//.test(s))).toEqual([]);
  });

  it('is reasonably small', () => {
    const bytes = Buffer.byteLength(code);
    const map = bytes - code.lastIndexOf('//# sourceMappingURL=');
    console.log(
      `workflow bundle: ${(bytes / 1024).toFixed(0)} KiB ` +
        `(${(map / 1024).toFixed(0)} KiB of it the inline source map)`,
    );
    expect(bytes).toBeLessThan(MAX_BYTES);
  });
});
