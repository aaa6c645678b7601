// @ts-check
// The layer fences of DESIGN.md as a lint rule: a file under `within` may import by path only files
// under `within` and the files listed in `allow`, however many `../` the path climbs. Each import is
// resolved against the importing file's folder, because no-restricted-imports matches the text of the
// import: a fence written as patterns (`../host/*`, `../../host/*`) leaks at every depth it does not spell.
// Packages (bare names) are no-restricted-imports' business and pass here.
import { dirname, isAbsolute, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * @typedef {{ within: string, allow?: string[], message?: string }} Options
 * `within` and `allow` are absolute paths (the config resolves them against its own folder).
 */

/** True when `target` is `folder` or inside it. */
function isInside(folder, target) {
  const path = relative(folder, target);
  return path === '' || (path !== '..' && !path.startsWith(`..${sep}`) && !isAbsolute(path));
}

/** The file an import names, or undefined for a package. */
function importedFile(importer, source) {
  if (source.startsWith('file:')) return fileURLToPath(source);
  if (source.startsWith('.') || isAbsolute(source)) return resolve(dirname(importer), source.replace(/[?#].*$/, ''));
  return undefined;
}

/** @type {import('eslint').Rule.RuleModule} */
const rule = {
  meta: {
    type: 'problem',
    docs: { description: 'A layer imports by path only its own files and the files it is allowed.' },
    schema: [
      {
        type: 'object',
        properties: {
          within: { type: 'string' },
          allow: { type: 'array', items: { type: 'string' } },
          message: { type: 'string' },
        },
        required: ['within'],
        additionalProperties: false,
      },
    ],
    messages: { outside: "'{{source}}' is outside {{layer}}/. {{message}}" },
  },
  create(context) {
    const options = /** @type {Options} */ (context.options[0]);
    const within = resolve(options.within);
    const allowed = new Set((options.allow ?? []).map((file) => resolve(file)));
    const layer = relative(context.cwd, within) || within;

    /** Reports `node` when `source` names a file outside the layer that is not allowed. */
    function check(node, source) {
      if (typeof source !== 'string') return;
      const file = importedFile(context.filename, source);
      if (file === undefined || allowed.has(file) || isInside(within, file)) return;
      context.report({ node, messageId: 'outside', data: { source, layer, message: options.message ?? '' } });
    }

    /** The text of a string literal or a template literal without substitutions. */
    function literal(node) {
      if (node?.type === 'Literal') return node.value;
      if (node?.type === 'TemplateLiteral' && node.expressions.length === 0) return node.quasis[0]?.value.cooked;
      return undefined;
    }

    return {
      ImportDeclaration: (node) => check(node.source, node.source.value),
      ExportAllDeclaration: (node) => check(node.source, node.source.value),
      ExportNamedDeclaration: (node) => {
        if (node.source) check(node.source, node.source.value);
      },
      ImportExpression: (node) => check(node.source, literal(node.source)),
      // `typeof import('../x.ts')` in a type (typescript-eslint's AST).
      TSImportType: (/** @type {any} */ node) => check(node.source, literal(node.source)),
    };
  },
};

export default rule;
