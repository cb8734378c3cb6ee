// Builds the two bundles of polyrtc into web/dist/, beside the Wasm module CMake puts there:
//   dist/polyrtc.js   classic script (IIFE): installs the API on window where it is missing
//   dist/polyrtc.mjs  ES module: exports the API, installs nothing
// Both fetch dist/polyrtc.wasm from beside themselves. With --inline-wasm the build also writes
//   dist/polyrtc.inline.js, dist/polyrtc.inline.mjs
// with the .wasm embedded as base64: one file to serve, no .wasm request, but ~1/3 more bytes
// for the module and no streaming compilation. Prints raw and gzipped sizes.
//
// usage: node web/build.mjs [--inline-wasm] [--no-minify]
import { build } from 'esbuild';
import { readFileSync, statSync, existsSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const dist = path.join(here, 'dist');
const args = new Set(process.argv.slice(2));
const inlineWasm = args.has('--inline-wasm');
const minify = !args.has('--no-minify');

for (const file of ['polyrtc-core.js', 'polyrtc.wasm']) {
  if (!existsSync(path.join(dist, file))) {
    console.error(`web/build.mjs: ${path.join(dist, file)} is missing: build the Wasm module first (./run setup)`);
    process.exit(1);
  }
}

// The Emscripten loader ends in a UMD tail (module.exports / define / exports). Inside a
// "type": "module" package esbuild would take the file as ESM; cut the tail and export the
// factory instead, so no AMD loader on the page ever sees it.
function emscriptenLoaderAsModule() {
  return {
    name: 'emscripten-loader-as-module',
    setup(b) {
      b.onLoad({ filter: /polyrtc-core\.js$/ }, (loadArgs) => {
        const source = readFileSync(loadArgs.path, 'utf8');
        const tail = source.lastIndexOf("if (typeof exports === 'object' && typeof module === 'object')");
        if (tail < 0) throw new Error('polyrtc-core.js: the UMD tail this build expects is not there (Emscripten changed?)');
        return { contents: `${source.slice(0, tail)}\nexport default createPolyrtcCore;\n`, loader: 'js' };
      });
    },
  };
}

function options(inline) {
  return {
    bundle: true,
    minify,
    sourcemap: false,
    // Private fields and static blocks are used as is: Chrome 94, Firefox 93, Safari 16.4.
    target: ['es2022'],
    platform: 'browser',
    legalComments: 'none',
    // The Emscripten loader also runs under Node, where it requires these; never in a page.
    // 'ws' backs its socket emulation, which usrsctp's socket calls pull in.
    external: ['fs', 'path', 'crypto', 'ws'],
    plugins: [emscriptenLoaderAsModule()],
    define: {
      POLYRTC_INLINE_WASM: inline ? JSON.stringify(readFileSync(path.join(dist, 'polyrtc.wasm')).toString('base64')) : 'null',
    },
    logLevel: 'warning',
  };
}

const outputs = [['polyrtc.js', 'script.mjs', 'iife', false], ['polyrtc.mjs', 'index.mjs', 'esm', false]];
if (inlineWasm) outputs.push(['polyrtc.inline.js', 'script.mjs', 'iife', true], ['polyrtc.inline.mjs', 'index.mjs', 'esm', true]);
for (const [outfile, entry, format, inline] of outputs) {
  await build({ ...options(inline), entryPoints: [path.join(here, 'src', entry)], outfile: path.join(dist, outfile), format });
}

function sizes(file) {
  const bytes = readFileSync(path.join(dist, file));
  return { raw: statSync(path.join(dist, file)).size, gzip: gzipSync(bytes, { level: 9 }).length };
}
const rows = [...outputs.map(([name]) => name), 'polyrtc.wasm'].map((name) => [name, sizes(name)]);
for (const [name, s] of rows) console.log(`${name.padEnd(20)} ${String(s.raw).padStart(8)} bytes  ${String(s.gzip).padStart(8)} gzipped`);
const page = sizes('polyrtc.js').gzip + sizes('polyrtc.wasm').gzip;
console.log(`a page using the script tag downloads ${page} bytes gzipped (polyrtc.js + polyrtc.wasm)`);
if (inlineWasm) console.log(`with polyrtc.inline.js: ${sizes('polyrtc.inline.js').gzip} bytes gzipped, one request`);
