#!/usr/bin/env node
// The `gantry` command (package.json "bin"). It checks the Node.js version before anything else is
// loaded: gantry's code uses APIs that older Node lacks and would die with an obscure error.
// Kept to syntax that Node 10 and later parse (var, function, one dynamic import(); no static
// import, import.meta, top-level await or optional chaining), so even a Node that reads this file
// as a CommonJS script prints the message.
'use strict';

var MINIMUM_MAJOR = 22;
var version = process.versions.node;
var major = parseInt(version.split('.')[0], 10);

if (!(major >= MINIMUM_MAJOR)) {
  process.stderr.write(
    'gantry: error: gantry needs Node.js ' +
      MINIMUM_MAJOR +
      ' or newer; this is Node.js ' +
      version +
      ' (' +
      process.execPath +
      ').\n' +
      '  Install Node.js 24 LTS (https://nodejs.org/en/download, or `npm install -g --prefix ~/.local node@24`\n' +
      '  and put ~/.local/bin first on PATH), or, in a clone of gantry, run `bash scripts/setup.sh`,\n' +
      '  which puts Node 24 into .tools/node: then put $PWD/.tools/node/bin first on PATH.\n',
  );
  process.exitCode = 2;
} else {
  import('../dist/cli/main.js').catch(function (e) {
    var missing = e && e.code === 'ERR_MODULE_NOT_FOUND';
    process.stderr.write(
      'gantry: internal error: cannot load gantry: ' +
        (missing ? e.message : (e && e.stack) || String(e)) +
        '\n' +
        (missing ? '  in a clone of gantry, run `npm install` (it also builds dist/), or `npm run build`\n' : ''),
    );
    process.exitCode = 1;
  });
}
