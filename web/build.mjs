// Builds the two bundles of polyrtc into web/dist/, beside the Wasm module CMake puts there:
//   dist/polyrtc.js   classic script (IIFE): installs the API on window where it is missing
//   dist/polyrtc.mjs  ES module: exports the API, installs nothing
// Both fetch dist/polyrtc.wasm from beside themselves. With --inline-wasm the .wasm is
// embedded (base64) in both bundles instead: one file to serve, ~35% more bytes, no streaming
// compilation. Prints raw and gzipped sizes of what a page downloads.
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

const common = {
  bundle: true,
  minify,
  sourcemap: false,
  // Private fields and static blocks are used as is: Chrome 94, Firefox 93, Safari 16.4.
  target: ['es2022'],
  platform: 'browser',
  legalComments: 'none',
  // The Emscripten loader also runs under Node, where it requires these; never in a page.
  external: ['fs', 'path', 'crypto'],
  plugins: [emscriptenLoaderAsModule()],
  define: {
    POLYRTC_INLINE_WASM: inlineWasm ? JSON.stringify(readFileSync(path.join(dist, 'polyrtc.wasm')).toString('base64')) : 'null',
  },
  logLevel: 'warning',
};

await build({
  ...common,
  entryPoints: [path.join(here, 'src', 'script.js')],
  outfile: path.join(dist, 'polyrtc.js'),
  format: 'iife',
});
await build({
  ...common,
  entryPoints: [path.join(here, 'src', 'index.js')],
  outfile: path.join(dist, 'polyrtc.mjs'),
  format: 'esm',
});

function sizes(file) {
  const bytes = readFileSync(path.join(dist, file));
  return { raw: statSync(path.join(dist, file)).size, gzip: gzipSync(bytes, { level: 9 }).length };
}
const rows = [['polyrtc.js', sizes('polyrtc.js')], ['polyrtc.mjs', sizes('polyrtc.mjs')]];
if (!inlineWasm) rows.push(['polyrtc.wasm', sizes('polyrtc.wasm')]);
for (const [name, s] of rows) console.log(`${name.padEnd(14)} ${String(s.raw).padStart(8)} bytes  ${String(s.gzip).padStart(8)} gzipped`);
const page = sizes('polyrtc.js').gzip + (inlineWasm ? 0 : sizes('polyrtc.wasm').gzip);
console.log(`a page loading the script tag downloads ${page} bytes gzipped${inlineWasm ? ' (Wasm inlined)' : ' (script + wasm)'}`);
