#!/usr/bin/python3
"""The interop tests' aiortc peer (Debian python3-aiortc), driven by tests/interop/peers.mjs.

It implements the methods of tests/interop/pages/peer.js (window.interop) with aiortc, so the
same scenario runs against it. The test sends one JSON request per line on stdin,
{"id": N, "method": NAME, "args": [...]}, and reads {"id": N, "result": ...} or
{"id": N, "error": TEXT} lines from stdout. aiortc's and aioice's logs go to stderr.

    /usr/bin/python3 aiortc_peer.py    # then e.g. {"id":1,"method":"start","args":[{...}]}

The relay is aiortc's only ICE server (TURN over UDP with long-term credentials), signaling is
the relay's /signal room. aiortc 1.4 has no iceTransportPolicy: host addresses are hidden from
aioice instead, which leaves the relayed candidate only, as 'relay' policy would (it also
keeps every packet on the loopback relay).
"""
import asyncio
import json
import logging
import re
import sys
import time

import aioice.ice
import websockets
from aiortc import RTCConfiguration, RTCIceServer, RTCPeerConnection, RTCSessionDescription
from aiortc.sdp import candidate_from_sdp, candidate_to_sdp

aioice.ice.get_host_addresses = lambda use_ipv4, use_ipv6: []

T0 = time.monotonic()


def fnv1a(data: bytes) -> str:
    h = 0x811C9DC5
    for b in data:
        h = ((h ^ b) * 0x01000193) & 0xFFFFFFFF
    return f"{h:08x}"


def digest(data):
    if isinstance(data, str):
        raw = data.encode("utf-8")
        return {"kind": "text", "size": len(raw), "sum": fnv1a(raw)}
    return {"kind": "binary", "size": len(data), "sum": fnv1a(bytes(data))}


# The same content as peer.js's makeMessage (both sides only compare digests, but equal
# generators keep a failing size easy to reproduce on either side).
PIECES = ["a", "\u00e9", "\u2713", "\U0001F600", "z", "0"]
WIDTHS = [1, 2, 3, 4, 1, 1]


def make_message(kind: str, size: int, seed: int):
    if kind == "binary":
        out = bytearray(size)
        x = (seed * 2654435761) & 0xFFFFFFFF
        for i in range(size):
            x = (x * 1103515245 + 12345) & 0xFFFFFFFF
            out[i] = x >> 24
        return bytes(out)
    pieces, used, k = [], 0, seed
    while used < size:
        p = k % len(PIECES)
        k += 1
        if used + WIDTHS[p] > size:
            p = 0
        pieces.append(PIECES[p])
        used += WIDTHS[p]
    return "".join(pieces)


class Peer:
    def __init__(self):
        self.pc = None
        self.ws = None
        self.role = None
        self.events = []
        self.errors = []
        self.channels = {}
        self.received = {}
        self.sdps = []
        self.remote_set = asyncio.Event()
        self.signal_task = None
        self.tasks = set()

    def note(self, what):
        self.events.append({"t": round((time.monotonic() - T0) * 1000), "what": what})

    def attach(self, channel):
        self.channels[channel.label] = channel
        self.received.setdefault(channel.label, [])

        @channel.on("open")
        def on_open():
            self.note(f"channel {channel.label} open id={channel.id}")

        @channel.on("close")
        def on_close():
            self.note(f"channel {channel.label} close")

        @channel.on("message")
        def on_message(message):
            self.received[channel.label].append(digest(message))

        if channel.readyState == "open":
            self.note(f"channel {channel.label} open id={channel.id}")

    async def signal(self, message):
        await self.ws.send(json.dumps(message))

    async def send_local_description(self, kind):
        # aiortc gathers every candidate inside setLocalDescription: its descriptions carry
        # them and it never trickles.
        desc = self.pc.localDescription
        self.sdps.append({"dir": "local", "type": desc.type, "sdp": desc.sdp})
        self.note(f"local {kind}")
        await self.signal({"sdp": {"type": desc.type, "sdp": desc.sdp}})

    async def on_signal(self, message):
        if message.get("sdp"):
            sdp = message["sdp"]
            self.sdps.append({"dir": "remote", "type": sdp["type"], "sdp": sdp["sdp"]})
            self.note(f"remote {sdp['type']}")
            await self.pc.setRemoteDescription(RTCSessionDescription(sdp=sdp["sdp"], type=sdp["type"]))
            self.remote_set.set()
            if sdp["type"] == "offer":
                await self.pc.setLocalDescription(await self.pc.createAnswer())
                await self.send_local_description("answer")
        elif "candidate" in message:
            # A candidate may overtake its description: wait for it in a task of its own so
            # the description behind it is not held up.
            task = asyncio.ensure_future(self.add_candidate(message["candidate"]))
            self.tasks.add(task)
            task.add_done_callback(self.tasks.discard)

    async def add_candidate(self, init):
        await self.remote_set.wait()
        if init is None or not init.get("candidate"):
            return  # end of candidates: aiortc 1.4 has no way to take it
        try:
            candidate = candidate_from_sdp(re.sub(r"^candidate:", "", init["candidate"]))
            candidate.sdpMid = init.get("sdpMid")
            candidate.sdpMLineIndex = init.get("sdpMLineIndex")
            self.note(f"remote candidate {init['candidate']}")
            await self.pc.addIceCandidate(candidate)
        except Exception as e:  # recorded for the report, the peer keeps going
            self.errors.append(f"addIceCandidate {init}: {type(e).__name__}: {e}")
            self.note(f"error {self.errors[-1]}")

    async def read_signals(self):
        async for text in self.ws:
            try:
                await self.on_signal(json.loads(text))
            except Exception as e:  # recorded for the report, the peer keeps going
                self.errors.append(f"signal: {type(e).__name__}: {e}")
                self.note(f"error {self.errors[-1]}")

    # ---- the methods of window.interop ----
    async def start(self, opts):
        self.role = opts["role"]
        servers = [RTCIceServer(urls=s["urls"], username=s.get("username"), credential=s.get("credential"))
                   for s in opts["config"].get("iceServers", [])]
        self.pc = RTCPeerConnection(RTCConfiguration(iceServers=servers))
        self.note(f"stack aiortc role {self.role}")
        for name in ["signalingstatechange", "icegatheringstatechange", "iceconnectionstatechange", "connectionstatechange"]:
            attr = {"signalingstatechange": "signalingState", "icegatheringstatechange": "iceGatheringState",
                    "iceconnectionstatechange": "iceConnectionState", "connectionstatechange": "connectionState"}[name]
            self.pc.on(name, (lambda a: lambda: self.note(f"{a} {getattr(self.pc, a)}"))(attr))

        @self.pc.on("datachannel")
        def on_datachannel(channel):
            self.note(f"datachannel {channel.label}")
            self.attach(channel)

        for c in opts.get("negotiated", []) + opts.get("inband", []):
            self.create_channel(c["label"], c.get("init", {}))
        url = f"{opts['signalUrl']}?room={opts['room']}"
        self.ws = await websockets.connect(url, max_size=None)
        self.note("signaling open")
        self.signal_task = asyncio.ensure_future(self.read_signals())
        return True

    def create_channel(self, label, init):
        self.attach(self.pc.createDataChannel(label, ordered=init.get("ordered", True),
                                              negotiated=init.get("negotiated", False), id=init.get("id")))

    async def offer(self):
        await self.pc.setLocalDescription(await self.pc.createOffer())
        await self.send_local_description("offer")
        return True

    async def wait_until(self, predicate, what, timeout_ms):
        deadline = time.monotonic() + timeout_ms / 1000
        while True:
            if predicate():
                return
            if time.monotonic() > deadline:
                raise TimeoutError(f"timed out after {timeout_ms} ms waiting for {what}")
            await asyncio.sleep(0.02)

    async def waitConnected(self, timeout_ms):
        def connected():
            if self.errors:
                raise RuntimeError("; ".join(self.errors))
            if self.pc.connectionState == "failed":
                raise RuntimeError("connectionState failed")
            return self.pc.connectionState == "connected"
        await self.wait_until(connected, "connectionState connected", timeout_ms)
        return round((time.monotonic() - T0) * 1000)

    async def createChannel(self, label, init):
        self.create_channel(label, init)
        return True

    async def waitOpen(self, labels, timeout_ms):
        await self.wait_until(lambda: all(l in self.channels and self.channels[l].readyState == "open" for l in labels),
                              f"channels open: {', '.join(labels)}", timeout_ms)
        return {l: {"id": self.channels[l].id, "ordered": self.channels[l].ordered,
                    "negotiated": self.channels[l].negotiated} for l in labels}

    async def send(self, label, messages, seed):
        channel = self.channels[label]
        out = []
        for i, m in enumerate(messages):
            data = make_message(m["kind"], m["size"], seed + i)
            channel.send(data)
            out.append(digest(data))
        return out

    async def waitReceived(self, label, count, timeout_ms):
        await self.wait_until(lambda: len(self.received.get(label, [])) >= count,
                              f"{count} messages on {label} (have {len(self.received.get(label, []))})", timeout_ms)
        got, self.received[label] = self.received[label], []
        return got

    async def maxMessageSize(self):
        # What the remote description allows us to send (RFC 8841: 64 KiB when absent).
        remote = self.pc.remoteDescription
        match = remote and re.search(r"a=max-message-size:(\d+)", remote.sdp)
        return int(match.group(1)) if match else 65536

    async def sdps_(self):
        return self.sdps

    async def report(self):
        state = None
        layers = None
        if self.pc:
            state = {"signaling": self.pc.signalingState, "iceGathering": self.pc.iceGatheringState,
                     "iceConnection": self.pc.iceConnectionState, "connection": self.pc.connectionState}
            sctp = self.pc.sctp
            if sctp:
                dtls = sctp.transport
                ice = dtls.transport
                layers = {"ice": ice.state, "dtls": dtls.state, "sctp": sctp.state,
                          "localCandidates": [candidate_to_sdp(c) for c in ice.iceGatherer.getLocalCandidates()],
                          "remoteCandidates": [candidate_to_sdp(c) for c in ice.getRemoteCandidates()]}
        stats = []
        if self.pc:
            try:
                for s in (await self.pc.getStats()).values():
                    stats.append({k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in vars(s).items()})
            except Exception as e:
                stats = f"getStats failed: {e}"
        return {"stack": "aiortc", "role": self.role, "errors": self.errors, "events": self.events, "state": state,
                "layers": layers, "stats": stats,
                "channels": [{"label": l, "id": c.id, "readyState": c.readyState, "bufferedAmount": c.bufferedAmount}
                             for l, c in self.channels.items()]}

    async def close(self):
        if self.pc:
            await self.pc.close()
        if self.ws:
            await self.ws.close()
        return True


async def main():
    logging.basicConfig(stream=sys.stderr, level=logging.WARNING,
                        format="%(asctime)s %(name)s %(levelname)s %(message)s")
    peer = Peer()
    methods = {"start": peer.start, "offer": peer.offer, "waitConnected": peer.waitConnected,
               "createChannel": peer.createChannel, "waitOpen": peer.waitOpen, "send": peer.send,
               "waitReceived": peer.waitReceived, "maxMessageSize": peer.maxMessageSize, "sdps": peer.sdps_,
               "report": peer.report, "close": peer.close}
    loop = asyncio.get_event_loop()
    reader = asyncio.StreamReader()
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)

    def reply(message):
        sys.stdout.write(json.dumps(message) + "\n")
        sys.stdout.flush()

    async def handle(request):
        try:
            reply({"id": request["id"], "result": await methods[request["method"]](*request.get("args", []))})
        except Exception as e:
            reply({"id": request["id"], "error": f"{type(e).__name__}: {e}"})

    tasks = set()
    while True:
        line = await reader.readline()
        if not line:
            break  # the test closed stdin: done
        task = asyncio.ensure_future(handle(json.loads(line)))
        tasks.add(task)
        task.add_done_callback(tasks.discard)
    await peer.close()


if __name__ == "__main__":
    asyncio.run(main())
