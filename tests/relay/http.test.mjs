// polyrtc-relay's HTTP side, against the real binary: refusing to start without
// credentials, --help, the "listening" log line, /healthz, static files from --web-root
// (MIME types, index.html, traversal refused, 404, symlinks) and a clean SIGTERM.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { runRelay, startRelay } from './relay_process.mjs';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

// GET with the path sent exactly as given (fetch() would normalize "..").
function rawGet(port, rawPath, method = 'GET') {
    return new Promise((resolve, reject) => {
        const req = http.request({ host: '127.0.0.1', port, path: rawPath, method, agent: false }, (res) => {
            const chunks = [];
            res.on('data', (c) => chunks.push(c));
            res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks) }));
        });
        req.on('error', reject);
        req.end();
    });
}

describe('polyrtc-relay options', () => {
    test('refuses to start without credentials and names the flags to add', async () => {
        const { code, stdout, stderr } = await runRelay(['--http-port', '0']);
        assert.equal(code, 2);
        assert.equal(stdout, '');
        assert.match(stderr, /refusing to start without TURN credentials/);
        assert.match(stderr, /--no-auth/);
        assert.match(stderr, /--user NAME:PASSWORD/);
        assert.match(stderr, /--use-auth-secret --static-auth-secret SECRET/);
    });

    test('--static-auth-secret without --use-auth-secret says to add it', async () => {
        const { code, stderr } = await runRelay(['--static-auth-secret', 's3cret']);
        assert.equal(code, 2);
        assert.match(stderr, /add --use-auth-secret/);
    });

    test('--no-auth with credentials is a contradiction', async () => {
        const { code, stderr } = await runRelay(['--no-auth', '--user', 'a:b']);
        assert.equal(code, 2);
        assert.match(stderr, /contradicts/);
    });

    test('--help documents the options and exits 0', async () => {
        const { code, stdout } = await runRelay(['--help']);
        assert.equal(code, 0);
        for (const flag of ['--http-port', '--listening-ip', '--web-root', '--no-auth', '--user', '--realm',
            '--use-auth-secret', '--static-auth-secret', '-c FILE']) {
            assert.ok(stdout.includes(flag), `--help mentions ${flag}`);
        }
    });

    test('--help and the options table of docs/relay.md list the same options', async () => {
        const { stdout } = await runRelay(['--help']);
        const inHelp = new Set(stdout.match(/--[a-z][a-z0-9-]+/g));
        const docs = fs.readFileSync(path.join(repoRoot, 'docs', 'relay.md'), 'utf8');
        const table = docs.slice(docs.indexOf('## Options'), docs.indexOf('## Logs'));
        const inDocs = new Set([...table.matchAll(/^\| `[^|]*?(--[a-z][a-z0-9-]+)/gm)].map((m) => m[1]));
        for (const row of table.matchAll(/^\| `([^|]*)`/gm)) {
            for (const flag of row[1].match(/--[a-z][a-z0-9-]+/g) ?? []) inDocs.add(flag);
        }
        inHelp.delete('--help');
        inDocs.delete('--help');
        assert.deepEqual([...inHelp].filter((f) => !inDocs.has(f)), [], 'in --help but not in docs/relay.md');
        assert.deepEqual([...inDocs].filter((f) => !inHelp.has(f)), [], 'in docs/relay.md but not in --help');
    });

    test('an unknown option is an error', async () => {
        const { code, stderr } = await runRelay(['--no-auth', '--no-such-flag']);
        assert.notEqual(code, 0);
        assert.match(stderr, /no-such-flag/);
    });

    test('a coturn-style config file (-c) supplies options', async () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'polyrtc-relay-conf-'));
        const conf = path.join(dir, 'turnserver.conf');
        fs.writeFileSync(conf, '# polyrtc relay\nno-auth\nlistening-ip=127.0.0.1\nhttp-port=0\n');
        const relay = await startRelay(['-c', conf]);
        try {
            assert.equal(relay.listening.auth, 'none');
            assert.equal(relay.listening.listening_ip, '127.0.0.1');
        } finally {
            assert.equal((await relay.stop()).code, 0);
            fs.rmSync(dir, { recursive: true });
        }
    });
});

describe('polyrtc-relay HTTP', () => {
    let relay;
    let root;
    let outside;

    before(async () => {
        root = fs.mkdtempSync(path.join(os.tmpdir(), 'polyrtc-relay-www-'));
        outside = fs.mkdtempSync(path.join(os.tmpdir(), 'polyrtc-relay-outside-'));
        fs.writeFileSync(path.join(root, 'index.html'), '<!doctype html><title>root</title>');
        fs.writeFileSync(path.join(root, 'polyrtc.wasm'), Buffer.from([0x00, 0x61, 0x73, 0x6d, 1, 0, 0, 0]));
        fs.writeFileSync(path.join(root, 'polyrtc.js'), 'export {};');
        fs.writeFileSync(path.join(root, 'module.mjs'), 'export {};');
        fs.writeFileSync(path.join(root, 'style.css'), 'body{}');
        fs.mkdirSync(path.join(root, 'chat'));
        fs.writeFileSync(path.join(root, 'chat', 'index.html'), '<title>chat</title>');
        fs.mkdirSync(path.join(root, 'empty'));
        fs.writeFileSync(path.join(outside, 'secret.txt'), 'secret');
        fs.mkdirSync(path.join(outside, 'dist'));
        fs.writeFileSync(path.join(outside, 'dist', 'linked.js'), '// linked');
        fs.symlinkSync(path.join(outside, 'dist'), path.join(root, 'dist'));
        relay = await startRelay(['--no-auth', '--web-root', root]);
    });

    after(async () => {
        const { code } = await relay.stop();
        fs.rmSync(root, { recursive: true });
        fs.rmSync(outside, { recursive: true });
        assert.equal(code, 0, 'relay exits 0 on SIGTERM');
        assert.deepEqual(relay.nonJson, [], 'every stdout line is JSON');
    });

    test('logs one JSON "listening" line with the bound port first', () => {
        const first = relay.lines[0];
        assert.equal(first.event, 'listening');
        assert.equal(first.level, 'info');
        assert.equal(typeof first.http_port, 'number');
        assert.ok(first.http_port > 0);
        assert.equal(first.listening_ip, '127.0.0.1');
        assert.match(first.ts, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    });

    test('/healthz answers 200 with JSON', async () => {
        const res = await fetch(relay.url('/healthz'));
        assert.equal(res.status, 200);
        assert.match(res.headers.get('content-type'), /^application\/json/);
        const body = await res.json();
        assert.equal(body.status, 'ok');
    });

    test('serves index.html for / and for a directory, no-cache', async () => {
        let res = await fetch(relay.url('/'));
        assert.equal(res.status, 200);
        assert.equal(res.headers.get('content-type'), 'text/html; charset=utf-8');
        assert.equal(res.headers.get('cache-control'), 'no-cache');
        assert.match(await res.text(), /<title>root<\/title>/);
        res = await fetch(relay.url('/chat/'));
        assert.equal(res.status, 200);
        assert.match(await res.text(), /<title>chat<\/title>/);
    });

    test('redirects a directory named without its slash', async () => {
        const res = await rawGet(relay.port, '/chat?x=1');
        assert.equal(res.status, 301);
        assert.equal(res.headers.location, '/chat/?x=1');
    });

    test('MIME types: wasm, js, mjs, css', async () => {
        const expect = {
            '/polyrtc.wasm': 'application/wasm',
            '/polyrtc.js': 'text/javascript; charset=utf-8',
            '/module.mjs': 'text/javascript; charset=utf-8',
            '/style.css': 'text/css; charset=utf-8',
        };
        for (const [p, type] of Object.entries(expect)) {
            const res = await fetch(relay.url(p));
            assert.equal(res.status, 200, p);
            assert.equal(res.headers.get('content-type'), type, p);
            assert.equal(res.headers.get('cache-control'), 'no-cache', p);
        }
        const wasm = Buffer.from(await (await fetch(relay.url('/polyrtc.wasm'))).arrayBuffer());
        assert.deepEqual([...wasm], [0x00, 0x61, 0x73, 0x6d, 1, 0, 0, 0]);
    });

    test('404 for a missing file, an empty directory and a file with a trailing slash', async () => {
        for (const p of ['/nope.html', '/empty/', '/polyrtc.js/']) {
            const res = await rawGet(relay.port, p);
            assert.equal(res.status, 404, p);
        }
    });

    test('refuses traversal out of the web root', async () => {
        const secretRel = path.relative(root, path.join(outside, 'secret.txt'));
        for (const p of ['/../' + secretRel, '/chat/../../' + secretRel, '/%2e%2e/' + secretRel,
            '/%2E%2E%2f' + secretRel, '/chat/%2e%2e/index.html', '/..', '/./index.html', '/a\\..\\b',
            '/bad%zz', '/nul%00.html']) {
            const res = await rawGet(relay.port, p);
            assert.equal(res.status, 400, p);
            assert.ok(!res.body.toString().includes('secret'), p);
        }
    });

    test('follows a symlink inside the web root', async () => {
        const res = await fetch(relay.url('/dist/linked.js'));
        assert.equal(res.status, 200);
        assert.equal(await res.text(), '// linked');
    });

    test('only GET and HEAD are served', async () => {
        const res = await rawGet(relay.port, '/index.html', 'POST');
        assert.equal(res.status, 405);
        assert.equal(res.headers.allow, 'GET, HEAD');
    });

    test('HEAD: the GET\'s status, Content-Type and Content-Length, no body (.js, .wasm, 404)', async () => {
        for (const [p, type] of [['/polyrtc.wasm', 'application/wasm'], ['/polyrtc.js', 'text/javascript; charset=utf-8']]) {
            const get = await rawGet(relay.port, p);
            const head = await rawGet(relay.port, p, 'HEAD');
            assert.equal(head.status, 200, p);
            assert.equal(head.headers['content-type'], type, p);
            assert.equal(head.headers['content-length'], String(get.body.length), p);
            assert.equal(head.body.length, 0, p);
        }
        const missing = await rawGet(relay.port, '/nope.html', 'HEAD');
        assert.equal(missing.status, 404);
        assert.equal(missing.body.length, 0);
    });

    test('/signal without a WebSocket upgrade answers 426', async () => {
        const res = await rawGet(relay.port, '/signal?room=x');
        assert.equal(res.status, 426);
    });
});

test('without --web-root, files are 404 but /healthz works', async () => {
    const relay = await startRelay(['--no-auth']);
    try {
        assert.equal((await fetch(relay.url('/index.html'))).status, 404);
        assert.equal((await fetch(relay.url('/healthz'))).status, 200);
    } finally {
        assert.equal((await relay.stop()).code, 0);
    }
});

test('a port already in use is reported as a JSON error and exit 1', async () => {
    const first = await startRelay(['--no-auth']);
    try {
        const { code, stdout } = await runRelay(['--no-auth', '--listening-ip', '127.0.0.1', '--listening-port', '0', '--http-port',
            String(first.port)]);
        assert.equal(code, 1);
        const line = JSON.parse(stdout.trim().split('\n')[0]);
        assert.equal(line.event, 'listen_failed');
        assert.equal(line.level, 'error');
    } finally {
        await first.stop();
    }
});
