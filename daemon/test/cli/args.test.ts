import { test } from 'node:test';
import assert from 'node:assert/strict';
import { helpText, oneOf, parseOptions, port, positiveInt, UsageError } from '../../src/cli/args.js';

const SPECS = {
  plan: { type: 'string', value: 'FILE', description: 'plan', required: true },
  port: { type: 'string', value: 'PORT', description: 'port', default: '9477' },
  verbose: { type: 'boolean', description: 'more' },
} as const;

test('the last of a repeated option wins; defaults fill the rest', () => {
  const o = parseOptions('daemon', ['--plan', 'plans/default.yaml', '--plan', 'plans/quick.yaml'], SPECS);
  assert.equal(o.plan, 'plans/quick.yaml');
  assert.equal(o.port, '9477');
  assert.equal(o.verbose, false);
  assert.equal(parseOptions('daemon', ['--plan=a', '--verbose'], SPECS).verbose, true);
  assert.equal(parseOptions('daemon', ['--help'], SPECS).help, true);
});

test('mistakes name the option and what was expected', () => {
  const cases: Array<[string[], RegExp]> = [
    [[], /daemon: option --plan FILE is required/],
    [['--plan', 'x', '--bogus'], /daemon: unknown option --bogus/],
    [['--plan'], /option --plan expects a value, got nothing/],
    [['--plan', 'x', 'stray'], /unexpected argument stray/],
    [['--plan', ''], /option --plan expects FILE, got an empty string/],
  ];
  for (const [argv, re] of cases) {
    assert.throws(
      () => parseOptions('daemon', argv, SPECS),
      (err: unknown) => err instanceof UsageError && re.test(err.message),
      argv.join(' '),
    );
  }
  assert.throws(() => positiveInt('run', 'epochs', '0'), /option --epochs expects a positive integer, got "0"/);
  assert.throws(() => positiveInt('run', 'epochs', '2.5'), /positive integer/);
  assert.equal(positiveInt('run', 'epochs', '12'), 12);
  assert.throws(() => port('daemon', 'port', '70000'), /--port expects a port number 0..65535, got "70000"/);
  assert.equal(port('daemon', 'port', '0'), 0);
  assert.throws(() => oneOf('report', 'format', 'xml', ['md', 'json', 'csv']), /--format expects one of md, json, csv, got "xml"/);
});

test('help lists every option with its default or requirement', () => {
  const h = helpText('allocsoak daemon --plan FILE', 'Runs.', SPECS);
  assert.match(h, /--plan FILE\s+plan \(required\)/);
  assert.match(h, /--port PORT\s+port \(default 9477\)/);
  assert.match(h, /--verbose\s+more/);
  assert.match(h, /--help\s+this text/);
});
