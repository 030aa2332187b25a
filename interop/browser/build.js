'use strict'
// Bundles page.js with the real JS multiserver, its ws and shs plugins and secret-handshake for the browser.
//
//   node build.js [OUTFILE]     writes the bundle (default dist/page.js); run.js bundles in memory itself.
//
// What the bundle needs (see ../../../shared/DESIGN.md): http, https and fs point at an empty module, os at a module
// whose networkInterfaces() returns {} (multiserver-scopes calls it at load time), Buffer and process are injected
// from the buffer and process packages, events and url come from their npm packages (url@0.11, the old API).

const path = require('path')
const esbuild = require('esbuild')

function options () {
  const shim = (name) => path.join(__dirname, 'shims', name)
  return {
    entryPoints: [path.join(__dirname, 'page.js')],
    bundle: true,
    platform: 'browser',
    format: 'iife',
    target: 'es2020',
    inject: [shim('globals.js')],
    define: { global: 'globalThis' },
    alias: { http: shim('empty.js'), https: shim('empty.js'), fs: shim('empty.js'), os: shim('os.js') },
    logLevel: 'silent'
  }
}

async function bundle () {
  const result = await esbuild.build(Object.assign(options(), { write: false }))
  return { code: result.outputFiles[0].text, warnings: result.warnings }
}

module.exports = { bundle, options }

if (require.main === module) {
  const out = process.argv[2] || path.join(__dirname, 'dist', 'page.js')
  esbuild.build(Object.assign(options(), { outfile: out, logLevel: 'warning' })).then(
    () => process.stdout.write('wrote ' + out + '\n'),
    (err) => { process.stderr.write(String(err.message || err) + '\n'); process.exit(1) })
}
