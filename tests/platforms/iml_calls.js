'use strict';
/**
 * Parses IML expressions (the inside of each `{{...}}`) as JavaScript expressions with acorn.
 * Reads a JSON array of strings on stdin; writes, per expression, the functions it calls or
 * why it is not a single expression (Make's custom-app IML is JavaScript-like: a scenario
 * editor's `f(a; b)` is a syntax error here, as it is for Make's app engine).
 */
const acorn = require('acorn');
const walk = require('acorn-walk');

// IML's `if(condition, a, b)` is a function, while `if` is a JavaScript keyword: it is parsed under
// another name and reported as `if`.
const IF_CALL = /\bif\s*\(/g;
const IF_NAME = 'iml__if';

const analyse = (expression) => {
  const source = expression.replace(IF_CALL, `${IF_NAME}(`);
  let node;
  try {
    node = acorn.parseExpressionAt(source, 0, { ecmaVersion: 2020 });
  } catch (error) {
    return { expression, error: error.message };
  }
  if (source.slice(node.end).trim() !== '') {
    return { expression, error: `unexpected text after the expression: ${source.slice(node.end)}` };
  }
  const calls = [];
  walk.full(node, (inner) => {
    if (inner.type === 'CallExpression') {
      const name = inner.callee.type === 'Identifier' ? inner.callee.name : `<${inner.callee.type}>`;
      calls.push(name === IF_NAME ? 'if' : name);
    }
  });
  return { expression, calls };
};

let input = '';
process.stdin.on('data', (chunk) => (input += chunk));
process.stdin.on('end', () => process.stdout.write(JSON.stringify(JSON.parse(input).map(analyse))));
