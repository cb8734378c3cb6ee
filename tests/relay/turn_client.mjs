// A tiny TURN client for the relay's integration tests: just enough STUN (RFC 8489) and
// TURN (RFC 8656) to drive the real relay over WebSocket (subprotocol "turn", one message per
// binary frame) or UDP. Deliberately independent of the C++ codec, so the tests check the
// relay against a second implementation of the wire format.
import crypto from 'node:crypto';
import dgram from 'node:dgram';
import net from 'node:net';
import tls from 'node:tls';
import zlib from 'node:zlib';
import WebSocket from 'ws';

export const MAGIC_COOKIE = 0x2112a442;
export const Method = { Binding: 0x001, Allocate: 0x003, Refresh: 0x004, Send: 0x006, Data: 0x007,
    CreatePermission: 0x008, ChannelBind: 0x009 };
export const Class = { Request: 0, Indication: 1, Success: 2, Error: 3 };
export const Attr = { USERNAME: 0x0006, MESSAGE_INTEGRITY: 0x0008, ERROR_CODE: 0x0009, CHANNEL_NUMBER: 0x000c,
    LIFETIME: 0x000d, XOR_PEER_ADDRESS: 0x0012, DATA: 0x0013, REALM: 0x0014, NONCE: 0x0015,
    XOR_RELAYED_ADDRESS: 0x0016, REQUESTED_TRANSPORT: 0x0019, XOR_MAPPED_ADDRESS: 0x0020, FINGERPRINT: 0x8028 };

function messageType(cls, method) {
    return ((method & 0xf80) << 2) | ((method & 0x070) << 1) | (method & 0x00f) | ((cls & 2) << 7) | ((cls & 1) << 4);
}
function decodeType(type) {
    const method = ((type & 0x3e00) >> 2) | ((type & 0x00e0) >> 1) | (type & 0x000f);
    const cls = ((type & 0x0100) >> 7) | ((type & 0x0010) >> 4);
    return { cls, method };
}

// {ip: '127.0.0.1', port} <-> XOR-*-ADDRESS value (IPv4 only: the tests' relay is IPv4).
export function xorAddress({ ip, port }) {
    const v = Buffer.alloc(8);
    v[1] = 0x01;
    v.writeUInt16BE(port ^ (MAGIC_COOKIE >>> 16), 2);
    const parts = ip.split('.').map(Number);
    const raw = ((parts[0] << 24) | (parts[1] << 16) | (parts[2] << 8) | parts[3]) >>> 0;
    v.writeUInt32BE((raw ^ MAGIC_COOKIE) >>> 0, 4);
    return v;
}
export function parseXorAddress(v) {
    if (v[1] !== 0x01) throw new Error('only IPv4 XOR addresses are supported by the test client');
    const port = v.readUInt16BE(2) ^ (MAGIC_COOKIE >>> 16);
    const raw = (v.readUInt32BE(4) ^ MAGIC_COOKIE) >>> 0;
    return { ip: [raw >>> 24, (raw >>> 16) & 255, (raw >>> 8) & 255, raw & 255].join('.'), port };
}
export const sameAddress = (a, b) => a.ip === b.ip && a.port === b.port;

export function longTermKey(username, realm, password) {
    return crypto.createHash('md5').update(`${username}:${realm}:${password}`).digest();
}
// coturn's TURN REST API password for a username.
export function restPassword(secret, username) {
    return crypto.createHmac('sha1', secret).update(username).digest('base64');
}

// attrs: [[type, Buffer]]; options: {key, fingerprint, transactionId}
export function encodeMessage(cls, method, attrs, { key, fingerprint = false, transactionId } = {}) {
    const tid = transactionId ?? crypto.randomBytes(12);
    const parts = [];
    for (const [type, value] of attrs) {
        const header = Buffer.alloc(4);
        header.writeUInt16BE(type, 0);
        header.writeUInt16BE(value.length, 2);
        parts.push(header, value, Buffer.alloc((4 - (value.length % 4)) % 4));
    }
    let body = Buffer.concat(parts);
    const header = Buffer.alloc(20);
    header.writeUInt16BE(messageType(cls, method), 0);
    header.writeUInt32BE(MAGIC_COOKIE, 4);
    tid.copy(header, 8);
    if (key) {
        header.writeUInt16BE(body.length + 24, 2);
        const mac = crypto.createHmac('sha1', key).update(Buffer.concat([header, body])).digest();
        const attr = Buffer.alloc(4);
        attr.writeUInt16BE(Attr.MESSAGE_INTEGRITY, 0);
        attr.writeUInt16BE(20, 2);
        body = Buffer.concat([body, attr, mac]);
    }
    if (fingerprint) {
        header.writeUInt16BE(body.length + 8, 2);
        const crc = (zlib.crc32(Buffer.concat([header, body])) ^ 0x5354554e) >>> 0;
        const attr = Buffer.alloc(8);
        attr.writeUInt16BE(Attr.FINGERPRINT, 0);
        attr.writeUInt16BE(4, 2);
        attr.writeUInt32BE(crc, 4);
        body = Buffer.concat([body, attr]);
    }
    header.writeUInt16BE(body.length, 2);
    return Buffer.concat([header, body]);
}

export function decodeMessage(buf) {
    if (buf.length < 20 || buf.readUInt32BE(4) !== MAGIC_COOKIE) throw new Error('not a STUN message');
    const { cls, method } = decodeType(buf.readUInt16BE(0));
    const length = buf.readUInt16BE(2);
    if (length + 20 !== buf.length) throw new Error('bad STUN length');
    const attrs = [];
    for (let off = 20; off + 4 <= buf.length;) {
        const type = buf.readUInt16BE(off);
        const len = buf.readUInt16BE(off + 2);
        attrs.push({ type, value: buf.subarray(off + 4, off + 4 + len), offset: off });
        off += 4 + len + ((4 - (len % 4)) % 4);
    }
    const get = (type) => attrs.find((a) => a.type === type)?.value;
    const errorValue = get(Attr.ERROR_CODE);
    return {
        cls, method, transactionId: buf.subarray(8, 20), attrs, get, raw: buf,
        errorCode: errorValue ? (errorValue[2] & 7) * 100 + errorValue[3] : 0,
    };
}

// Checks MESSAGE-INTEGRITY of a received message with `key`.
export function verifyIntegrity(message, key) {
    const attr = message.attrs.find((a) => a.type === Attr.MESSAGE_INTEGRITY);
    if (!attr) return false;
    const header = Buffer.from(message.raw.subarray(0, 20));
    header.writeUInt16BE(attr.offset - 20 + 24, 2);
    const mac = crypto.createHmac('sha1', key)
        .update(Buffer.concat([header, message.raw.subarray(20, attr.offset)])).digest();
    return mac.equals(attr.value);
}

export function encodeChannelData(channel, data) {
    const header = Buffer.alloc(4);
    header.writeUInt16BE(channel, 0);
    header.writeUInt16BE(data.length, 2);
    return Buffer.concat([header, data]);
}

// A TURN client over one transport. `transport` sends a Buffer; received messages come in
// through `receive(buf)`. Responses are matched to requests by transaction id; indications
// and ChannelData are queued for next().
class TurnClient {
    constructor({ username, password, realm } = {}) {
        this.username = username;
        this.password = password;
        this.realm = realm;
        this.nonce = null;
        this.pending = new Map();
        this.inbox = [];
        this.waiters = [];
    }

    get key() { return longTermKey(this.username, this.realm, this.password); }

    receive(buf) {
        const first = buf[0] >> 6;
        let item;
        if (first === 1) {
            item = { kind: 'channel', channel: buf.readUInt16BE(0), data: buf.subarray(4, 4 + buf.readUInt16BE(2)) };
        } else {
            const message = decodeMessage(buf);
            const id = message.transactionId.toString('hex');
            if ((message.cls === Class.Success || message.cls === Class.Error) && this.pending.has(id)) {
                const resolve = this.pending.get(id);
                this.pending.delete(id);
                resolve(message);
                return;
            }
            item = { kind: 'stun', message };
            if (message.cls === Class.Indication && message.method === Method.Data) {
                item = { kind: 'data', peer: parseXorAddress(message.get(Attr.XOR_PEER_ADDRESS)),
                    data: message.get(Attr.DATA) };
            }
        }
        const waiter = this.waiters.shift();
        if (waiter) waiter(item);
        else this.inbox.push(item);
    }

    // The next Data indication / ChannelData / unsolicited message.
    next(timeoutMs = 2000) {
        if (this.inbox.length) return Promise.resolve(this.inbox.shift());
        return new Promise((resolve, reject) => {
            const timer = setTimeout(() => {
                this.waiters = this.waiters.filter((w) => w !== wrapped);
                reject(new Error('nothing received within timeout'));
            }, timeoutMs);
            const wrapped = (item) => { clearTimeout(timer); resolve(item); };
            this.waiters.push(wrapped);
        });
    }

    // Sends a request (signed once a nonce is known, unless sign=false) and resolves with the
    // response.
    request(method, attrs = [], { sign = true, timeoutMs = 2000 } = {}) {
        const signed = sign && this.nonce && this.username;
        const all = signed ? [...attrs,
            [Attr.USERNAME, Buffer.from(this.username)], [Attr.REALM, Buffer.from(this.realm)],
            [Attr.NONCE, Buffer.from(this.nonce)]] : attrs;
        const buf = encodeMessage(Class.Request, method, all, { key: signed ? this.key : undefined, fingerprint: true });
        const id = buf.subarray(8, 20).toString('hex');
        return new Promise((resolve, reject) => {
            const timer = setTimeout(() => {
                this.pending.delete(id);
                reject(new Error(`no response to method ${method} within ${timeoutMs} ms`));
            }, timeoutMs);
            this.pending.set(id, (m) => { clearTimeout(timer); resolve(m); });
            this.send(buf);
        });
    }

    // Allocate, answering the 401 challenge (and a 438) with the credentials if it has any.
    async allocate(lifetime) {
        const attrs = [[Attr.REQUESTED_TRANSPORT, Buffer.from([17, 0, 0, 0])]];
        if (lifetime !== undefined) {
            const v = Buffer.alloc(4);
            v.writeUInt32BE(lifetime);
            attrs.push([Attr.LIFETIME, v]);
        }
        let response = await this.request(Method.Allocate, attrs);
        for (let i = 0; i < 2 && (response.errorCode === 401 || response.errorCode === 438) && this.username; ++i) {
            const nonce = response.get(Attr.NONCE)?.toString();
            if (!nonce || (response.errorCode === 401 && this.nonce)) break;  // already tried: wrong credentials
            this.nonce = nonce;
            this.realm = this.realm ?? response.get(Attr.REALM).toString();
            response = await this.request(Method.Allocate, attrs);
        }
        if (response.cls === Class.Success) {
            this.relayed = parseXorAddress(response.get(Attr.XOR_RELAYED_ADDRESS));
            this.mapped = parseXorAddress(response.get(Attr.XOR_MAPPED_ADDRESS));
        }
        return response;
    }

    createPermission(...peers) {
        return this.request(Method.CreatePermission, peers.map((p) => [Attr.XOR_PEER_ADDRESS, xorAddress(p)]));
    }

    channelBind(channel, peer) {
        const number = Buffer.alloc(4);
        number.writeUInt16BE(channel, 0);
        return this.request(Method.ChannelBind, [[Attr.CHANNEL_NUMBER, number], [Attr.XOR_PEER_ADDRESS, xorAddress(peer)]]);
    }

    refresh(lifetime) {
        const v = Buffer.alloc(4);
        v.writeUInt32BE(lifetime);
        return this.request(Method.Refresh, [[Attr.LIFETIME, v]]);
    }

    sendIndication(peer, data) {
        this.send(encodeMessage(Class.Indication, Method.Send, [[Attr.XOR_PEER_ADDRESS, xorAddress(peer)], [Attr.DATA, data]]));
    }

    sendChannelData(channel, data) { this.send(encodeChannelData(channel, data)); }
}

export class WsTurnClient extends TurnClient {
    // `wsOptions` go to the ws library (e.g. {origin}, {rejectUnauthorized: false} for wss).
    static async connect(url, credentials, { protocols = 'turn', ...wsOptions } = {}) {
        const client = new WsTurnClient(credentials);
        client.ws = new WebSocket(url, protocols, wsOptions);
        client.ws.binaryType = 'nodebuffer';
        client.ws.on('message', (data, isBinary) => { if (isBinary) client.receive(data); });
        client.closed = new Promise((resolve) => client.ws.once('close', (code) => resolve(code)));
        await new Promise((resolve, reject) => {
            client.ws.once('open', resolve);
            client.ws.once('error', reject);
        });
        return client;
    }
    send(buf) { this.ws.send(buf, { binary: true }); }
    async close() {
        if (this.ws.readyState === WebSocket.OPEN) this.ws.close(1000);
        return this.closed;
    }
}

export class UdpTurnClient extends TurnClient {
    static async connect(host, port, credentials) {
        const client = new UdpTurnClient(credentials);
        client.socket = dgram.createSocket('udp4');
        client.server = { host, port };
        client.socket.on('message', (buf) => client.receive(buf));
        await new Promise((resolve) => client.socket.bind(0, '127.0.0.1', resolve));
        return client;
    }
    send(buf) { this.socket.send(buf, this.server.port, this.server.host); }
    async close() { await new Promise((resolve) => this.socket.close(resolve)); }
}

// TURN over TCP, or TLS with {tls: true} (RFC 8656 section 12.5 framing: STUN messages are
// 20 + Length bytes, ChannelData 4 + Length rounded up to 4).
export class StreamTurnClient extends TurnClient {
    static async connect(host, port, credentials, { tls: secure = false } = {}) {
        const client = new StreamTurnClient(credentials);
        client.buffer = Buffer.alloc(0);
        client.socket = secure
            ? tls.connect({ host, port, rejectUnauthorized: false })
            : net.connect({ host, port });
        client.closed = new Promise((resolve) => client.socket.once('close', resolve));
        client.socket.on('data', (chunk) => client.onData(chunk));
        client.socket.on('error', () => {});
        await new Promise((resolve, reject) => {
            client.socket.once(secure ? 'secureConnect' : 'connect', resolve);
            client.socket.once('error', reject);
        });
        return client;
    }
    onData(chunk) {
        this.buffer = Buffer.concat([this.buffer, chunk]);
        for (;;) {
            if (this.buffer.length < 4) return;
            const length = this.buffer.readUInt16BE(2);
            const size = (this.buffer[0] >> 6) === 1 ? 4 + ((length + 3) & ~3) : 20 + length;
            if (this.buffer.length < size) return;
            const frame = this.buffer.subarray(0, size);
            this.buffer = this.buffer.subarray(size);
            this.receive(frame);
        }
    }
    send(buf) { this.socket.write(buf); }
    // ChannelData over a stream must be padded to a multiple of 4.
    sendChannelData(channel, data) {
        const padded = encodeChannelData(channel, data);
        this.send(Buffer.concat([padded, Buffer.alloc((4 - (padded.length % 4)) % 4)]));
    }
    async close() {
        this.socket.end();
        await this.closed;
    }
}
