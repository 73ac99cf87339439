/**
 * Which external programs a source file runs: a static scan (TypeScript's parser) of child_process calls and browser
 * `executablePath`s, so that test/system-packages.test.ts can check each is installed by scripts/system-packages.sh.
 * A program is named by a string literal, by `findTool(name)`, by a `const` in the same file that is one of those,
 * or by a parameter whose type is string literals (`program: 'svmap' | 'svwar'`); Node itself (`process.execPath`, node_modules/.bin/node) needs no system package. Anything else is
 * reported as unresolved: the scan cannot tell what it runs, so neither can the package list.
 */
import { basename } from 'node:path'
import ts from 'typescript'

const CHILD_PROCESS_CALLS = new Set(['spawn', 'spawnSync', 'execFile', 'execFileSync', 'exec', 'execSync'])
const NODE = 'node'

export interface ProgramUse {
  line: number
  /** The program's name (a path's basename), or undefined when the scan cannot tell. */
  program: string | undefined
  /** The source text of the expression that names the program. */
  text: string
}

/** Programs run by `source` (the text of a file called `fileName`), in source order. */
export function externalPrograms(fileName: string, source: string): ProgramUse[] {
  const file = ts.createSourceFile(fileName, source, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS)
  const consts = new Map<string, ts.Expression>()
  /** Parameters typed as string literals (`program: 'svmap' | 'svwar'`): each literal is a program. */
  const literalParams = new Map<string, string[]>()
  const collect = (node: ts.Node): void => {
    if (ts.isVariableDeclaration(node) && ts.isIdentifier(node.name) && node.initializer !== undefined) {
      consts.set(node.name.text, node.initializer)
    }
    if (ts.isParameter(node) && ts.isIdentifier(node.name) && node.type !== undefined) {
      const types = ts.isUnionTypeNode(node.type) ? node.type.types : [node.type]
      const literals = types.map((t) =>
        ts.isLiteralTypeNode(t) && ts.isStringLiteral(t.literal) ? t.literal.text : undefined,
      )
      if (literals.every((l) => l !== undefined)) literalParams.set(node.name.text, literals as string[])
    }
    ts.forEachChild(node, collect)
  }
  collect(file)

  /** The programs an expression may name; undefined in the list when it cannot tell. */
  const resolve = (e: ts.Expression, depth = 0): (string | undefined)[] => {
    if (depth > 8) return [undefined]
    if (ts.isNonNullExpression(e) || ts.isParenthesizedExpression(e) || ts.isAsExpression(e)) {
      return resolve(e.expression, depth + 1)
    }
    if (ts.isStringLiteralLike(e)) {
      const first = e.text.trim().split(/\s+/)[0] ?? ''
      return [first.endsWith('node_modules/.bin/node') ? NODE : basename(first)]
    }
    if (ts.isPropertyAccessExpression(e) && e.getText() === 'process.execPath') return [NODE]
    if (ts.isConditionalExpression(e)) return [...resolve(e.whenTrue, depth + 1), ...resolve(e.whenFalse, depth + 1)]
    if (ts.isBinaryExpression(e) && e.operatorToken.kind === ts.SyntaxKind.QuestionQuestionToken) {
      // `process.env.X ?? default`: the override is the user's; the default is what the list must hold.
      const left = e.left.getText().startsWith('process.env.') ? [] : resolve(e.left, depth + 1)
      return [...left, ...resolve(e.right, depth + 1)]
    }
    if (ts.isCallExpression(e)) {
      const callee = e.expression.getText()
      const arg = e.arguments[0]
      if (callee === 'findTool' && arg !== undefined) return resolve(arg, depth + 1)
      // netnsWrapper(ns, program): a script that runs `ip netns exec ns program`.
      if (callee === 'netnsWrapper' && e.arguments[1] !== undefined)
        return ['ip', ...resolve(e.arguments[1], depth + 1)]
      // node_modules/.bin/node, or bin/ime.js (this project's own program, run by that node)
      if (
        callee === 'join' &&
        e.arguments.some((a) => /(node_modules\/\.bin\/node|bin\/ime\.js)['"`]$/.test(a.getText()))
      ) {
        return [NODE]
      }
    }
    if (ts.isIdentifier(e)) {
      const init = consts.get(e.text)
      if (init !== undefined) return resolve(init, depth + 1)
      const literals = literalParams.get(e.text)
      if (literals !== undefined) return literals
    }
    return [undefined]
  }

  const uses: ProgramUse[] = []
  const add = (e: ts.Expression) => {
    const line = file.getLineAndCharacterOfPosition(e.getStart(file)).line + 1
    for (const program of resolve(e)) uses.push({ line, program, text: e.getText(file) })
  }
  const visit = (node: ts.Node): void => {
    if (ts.isCallExpression(node)) {
      const callee = node.expression
      const name = ts.isIdentifier(callee)
        ? callee.text
        : ts.isPropertyAccessExpression(callee) && /^(child_process|cp)$/.test(callee.expression.getText())
          ? callee.name.text
          : ''
      if (CHILD_PROCESS_CALLS.has(name) && node.arguments[0] !== undefined) add(node.arguments[0])
    }
    if (
      ts.isPropertyAssignment(node) &&
      ts.isIdentifier(node.name) &&
      node.name.text === 'executablePath' &&
      ts.isExpression(node.initializer)
    ) {
      add(node.initializer)
    }
    ts.forEachChild(node, visit)
  }
  visit(file)
  return uses
}
