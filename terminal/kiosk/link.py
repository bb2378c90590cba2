"""Lanes and the attendant station over MQTT (paho-mqtt 2.x), every message signed.

Topics, under a store prefix (e.g. ``edgepos/STORE1``):
- ``{prefix}/lanes/{lane}/state``     lane -> station: the lane's snapshot on every change and a heartbeat (retained)
- ``{prefix}/lanes/{lane}/commands``  station -> lane: approve/refuse one intervention, out of service, in service
- ``{prefix}/lanes/{lane}/results``   lane -> station: what became of each command (done, or the refusal's code)

Every message is ``{"body": {...}, "sig": hex}``; the signature is SM2 (the lane's terminal key; the station's own
key) over the canonical JSON of the body. A body names its sender, the lane it is about, a per-sender sequence
number, a UTC time in milliseconds and a random nonce. A lane accepts a command only when it is signed by a station
key it trusts, names this lane, is fresher than `MAX_AGE_MS` and younger than the lane's link (so nothing captured
before a restart is taken after it), carries a nonce not seen before and a sequence number above the last one taken
from that station; an approval also names the one intervention it clears (a new call has a
new id), so it cannot be replayed on another lane or on a later call. The station shows a lane's state only when it
is signed by that lane's pinned key. No PIN, card data or customer detail travels: the station checks the
attendant's PIN itself and sends the operator id; the lane checks that operator's role again in its own store.

The broker being down changes nothing at the lane: publishing is fire-and-forget, paho reconnects in the background,
and interventions are cleared at the lane meanwhile. With no broker at all (a demo machine without Mosquitto),
`LocalBus` carries the same signed messages between a lane and a station in one process.
"""

from __future__ import annotations

import json
import logging
import secrets
import threading
import time
import uuid
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol
from urllib.parse import urlparse

from sync.chain import canonical_json
from sync.crypto import Sm2PrivateKey, Sm2PublicKey

log = logging.getLogger("edgepos.kiosk.link")
MAX_AGE_MS = 30_000  # a command older than this is refused (clocks of lane and station within seconds)
HEARTBEAT_S = 5.0
STALE_S = 15.0  # the station shows a lane as not reporting after this long without a message

Handler = Callable[[str, bytes], None]


class Transport(Protocol):
    """Publish/subscribe: `MqttTransport` (paho over a broker) or `LocalBus` (one process, no broker)."""

    @property
    def connected(self) -> bool: ...
    def publish(self, topic: str, payload: bytes, *, retain: bool = False) -> None: ...
    def subscribe(self, topic: str, handler: Handler) -> None: ...
    def close(self) -> None: ...


def _matches(pattern: str, topic: str) -> bool:
    p, t = pattern.split("/"), topic.split("/")
    for i, part in enumerate(p):
        if part == "#":
            return True
        if i >= len(t) or (part != "+" and part != t[i]):
            return False
    return len(p) == len(t)


class MqttTransport:
    """paho-mqtt 2.x, QoS 1, reconnecting in the background; never blocks or raises when the broker is down."""

    def __init__(self, url: str, *, client_id: str) -> None:
        import paho.mqtt.client as mqtt

        parsed = urlparse(url if "://" in url else f"mqtt://{url}")
        self.host, self.port = parsed.hostname or "127.0.0.1", parsed.port or 1883
        self._handlers: list[tuple[str, Handler]] = []
        self._connected = threading.Event()
        self._lock = threading.Lock()
        self.client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=client_id, clean_session=True)
        self.client.reconnect_delay_set(min_delay=1, max_delay=5)
        self.client.on_connect = self._on_connect
        self.client.on_disconnect = lambda *_args: self._connected.clear()
        self.client.on_message = self._on_message
        self.client.connect_async(self.host, self.port, keepalive=15)
        self.client.loop_start()

    @property
    def connected(self) -> bool:
        return self._connected.is_set()

    def wait_connected(self, timeout: float) -> bool:
        return self._connected.wait(timeout)

    def _on_connect(self, client: Any, _userdata: Any, _flags: Any, reason: Any, _props: Any = None) -> None:
        if getattr(reason, "is_failure", False):
            return
        with self._lock:
            topics = [topic for topic, _ in self._handlers]
        for topic in dict.fromkeys(topics):
            client.subscribe(topic, qos=1)
        self._connected.set()

    def _on_message(self, _client: Any, _userdata: Any, message: Any) -> None:
        with self._lock:
            handlers = [h for pattern, h in self._handlers if _matches(pattern, message.topic)]
        for handler in handlers:
            try:
                handler(message.topic, message.payload)
            except Exception:
                log.exception("MQTT handler failed on %s", message.topic)

    def publish(self, topic: str, payload: bytes, *, retain: bool = False) -> None:
        self.client.publish(topic, payload, qos=1, retain=retain)  # queued by paho while disconnected

    def subscribe(self, topic: str, handler: Handler) -> None:
        with self._lock:
            self._handlers.append((topic, handler))
        if self.connected:
            self.client.subscribe(topic, qos=1)

    def close(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()


class LocalBus:
    """The same topics in one process (no broker): retained messages kept, handlers called synchronously."""

    def __init__(self) -> None:
        self._handlers: list[tuple[str, Handler]] = []
        self._retained: dict[str, bytes] = {}
        self._lock = threading.RLock()

    connected = True

    def publish(self, topic: str, payload: bytes, *, retain: bool = False) -> None:
        with self._lock:
            if retain:
                self._retained[topic] = payload
            handlers = [h for pattern, h in self._handlers if _matches(pattern, topic)]
        for handler in handlers:
            try:
                handler(topic, payload)
            except Exception:
                log.exception("local bus handler failed on %s", topic)

    def subscribe(self, topic: str, handler: Handler) -> None:
        with self._lock:
            self._handlers.append((topic, handler))
            retained = [(t, p) for t, p in self._retained.items() if _matches(topic, t)]
        for t, p in retained:
            handler(t, p)

    def close(self) -> None:
        pass


# --- signed messages ---------------------------------------------------------------------------------------------


class Signer:
    """One sender: its id, its SM2 key and its own increasing sequence numbers."""

    def __init__(self, sender: str, key: Sm2PrivateKey) -> None:
        self.sender, self.key = sender, key
        self._seq = int(time.time() * 1000)  # increasing across restarts too
        self._lock = threading.Lock()

    def seal(self, kind: str, lane: str, data: dict[str, Any]) -> bytes:
        with self._lock:
            self._seq += 1
            seq = self._seq
        body = {"kind": kind, "from": self.sender, "lane": lane, "seq": seq, "ts": int(time.time() * 1000),
                "nonce": secrets.token_hex(12), "data": data}
        raw = canonical_json(body)
        return json.dumps({"body": body, "sig": self.key.sign(raw).hex()}, separators=(",", ":")).encode()


class BadMessage(Exception):
    """Refused: unsigned, signed by an unknown key, for another lane, stale, replayed or malformed."""


def open_message(payload: bytes, keys: dict[str, Sm2PublicKey]) -> dict[str, Any]:
    """The body of a message signed by one of `keys` (sender id -> public key); BadMessage otherwise."""
    try:
        message = json.loads(payload)
        body, sig = message["body"], bytes.fromhex(message["sig"])
        sender = body["from"]
    except (ValueError, KeyError, TypeError) as exc:
        raise BadMessage(f"malformed: {type(exc).__name__}") from None
    key = keys.get(sender) if isinstance(sender, str) else None
    if key is None:
        raise BadMessage(f"unknown sender {sender!r}")
    if not key.verify(sig, canonical_json(body)):
        raise BadMessage(f"bad signature from {sender!r}")
    return body


@dataclass
class ReplayGuard:
    """Fresh, never seen, in order: per sender the last sequence number, and the nonces within the age window."""

    max_age_ms: int = MAX_AGE_MS
    last_seq: dict[str, int] = field(default_factory=dict)
    nonces: OrderedDict[str, int] = field(default_factory=OrderedDict)
    # nothing signed before this guard existed: a command captured before a lane restart cannot be replayed after it
    # (the nonces and sequence numbers seen are not kept across restarts)
    not_before_ms: int = field(default_factory=lambda: int(time.time() * 1000))

    def check(self, body: dict[str, Any], now_ms: int | None = None) -> None:
        now_ms = int(time.time() * 1000) if now_ms is None else now_ms
        ts, seq, nonce, sender = body.get("ts"), body.get("seq"), body.get("nonce"), body["from"]
        if not isinstance(ts, int) or not isinstance(seq, int) or not isinstance(nonce, str):
            raise BadMessage("no time, sequence or nonce")
        if abs(now_ms - ts) > self.max_age_ms or ts < self.not_before_ms:
            raise BadMessage("stale or from the future")
        if nonce in self.nonces or seq <= self.last_seq.get(sender, -1):
            raise BadMessage("replayed")
        self.last_seq[sender] = seq
        self.nonces[nonce] = ts
        while self.nonces and next(iter(self.nonces.values())) < now_ms - self.max_age_ms:
            self.nonces.popitem(last=False)


def topic(prefix: str, lane: str, what: str) -> str:
    return f"{prefix}/lanes/{lane}/{what}"


# --- the lane's side ---------------------------------------------------------------------------------------------


class LaneLink:
    """Publishes the lane's state (signed with the lane's terminal key) and takes the station's signed commands."""

    def __init__(self, lane: Any, transport: Transport, *, prefix: str, key: Sm2PrivateKey,
                 stations: dict[str, bytes]) -> None:
        self.lane, self.transport, self.prefix = lane, transport, prefix
        self.signer = Signer(f"lane:{lane.lane_id}", key)
        self.stations = {sender: Sm2PublicKey(raw) for sender, raw in stations.items()}
        self.guard = ReplayGuard()
        self.refused: list[str] = []  # why commands were refused (for the doctor and tests)
        self._stop = threading.Event()
        transport.subscribe(topic(prefix, lane.lane_id, "commands"), self._on_command)
        lane.listeners.append(self.publish_state)
        self._beat = threading.Thread(target=self._heartbeat, name=f"kiosk-heartbeat-{lane.lane_id}", daemon=True)
        self._beat.start()
        lane.report(self.publish_state)

    def publish_state(self, snapshot: Any) -> None:
        try:
            self.transport.publish(topic(self.prefix, self.lane.lane_id, "state"),
                                   self.signer.seal("state", self.lane.lane_id, snapshot.to_dict()), retain=True)
        except Exception:  # the broker is down: the lane sells on; the next change or heartbeat tries again
            log.debug("lane state not published", exc_info=True)

    def _heartbeat(self) -> None:
        while not self._stop.wait(HEARTBEAT_S):
            self.lane.report(self.publish_state)  # sealed under the lane's lock: never older than the last change

    def _on_command(self, _topic: str, payload: bytes) -> None:
        try:
            body = open_message(payload, self.stations)
            if body.get("lane") != self.lane.lane_id or body.get("kind") != "command":
                raise BadMessage("not for this lane")
            self.guard.check(body)
        except BadMessage as exc:
            log.warning("lane %s refused a command: %s", self.lane.lane_id, exc)
            self.refused.append(str(exc))
            return
        data = body["data"]
        result: dict[str, Any] = {"command": body["nonce"], "ok": True, "code": ""}
        try:
            action = data.get("action")
            if action in ("approve", "refuse"):
                self.lane.clear_remote(str(data["intervention"]), str(data["operator"]), action == "approve")
            elif action == "out_of_service":
                self.lane.out_of_service(str(data["operator"]), where="station")
            elif action == "in_service":
                self.lane.back_in_service(str(data["operator"]), where="station")
            else:
                raise BadMessage(f"unknown action {action!r}")
        except Exception as exc:  # worded at the station by its code
            result = {"command": body["nonce"], "ok": False, "code": getattr(exc, "code", "") or type(exc).__name__}
        self.transport.publish(topic(self.prefix, self.lane.lane_id, "results"),
                               self.signer.seal("result", self.lane.lane_id, result))

    def close(self) -> None:
        self._stop.set()
        if self.publish_state in self.lane.listeners:
            self.lane.listeners.remove(self.publish_state)


# --- the station's side ------------------------------------------------------------------------------------------


@dataclass
class LaneView:
    lane_id: str
    state: dict[str, Any]
    seen_at: float
    last_result: dict[str, Any] | None = None

    @property
    def stale(self) -> bool:
        return time.monotonic() - self.seen_at > STALE_S


class StationLink:
    """The attendant station: every trusted lane's live state, and signed commands to one lane at a time."""

    def __init__(self, transport: Transport, *, prefix: str, key: Sm2PrivateKey, lanes: dict[str, bytes],
                 station_id: str = "station") -> None:
        self.transport, self.prefix = transport, prefix
        self.signer = Signer(f"station:{station_id}", key)
        self.lane_keys = {f"lane:{lane}": Sm2PublicKey(raw) for lane, raw in lanes.items()}
        self.lanes: dict[str, LaneView] = {}
        self.listeners: list[Callable[[LaneView], None]] = []
        self.refused: list[str] = []
        self._lock = threading.Lock()
        transport.subscribe(f"{prefix}/lanes/+/state", self._on_state)
        transport.subscribe(f"{prefix}/lanes/+/results", self._on_result)

    @property
    def connected(self) -> bool:
        return self.transport.connected

    def _open(self, topic_name: str, payload: bytes) -> dict[str, Any] | None:
        try:
            body = open_message(payload, self.lane_keys)
            if topic_name.split("/")[-2] != body["lane"] or body["from"] != f"lane:{body['lane']}":
                raise BadMessage("lane and topic disagree")
            return body
        except BadMessage as exc:
            self.refused.append(str(exc))
            return None

    def _on_state(self, topic_name: str, payload: bytes) -> None:
        body = self._open(topic_name, payload)
        if body is None:
            return
        with self._lock:
            view = self.lanes.get(body["lane"])
            if view is not None and body["seq"] < view.state.get("_seq", 0):
                return  # an older state arriving late (a retained copy)
            view = LaneView(body["lane"], {**body["data"], "_seq": body["seq"]}, time.monotonic(),
                            view.last_result if view else None)
            self.lanes[body["lane"]] = view
        for listener in list(self.listeners):
            listener(view)

    def _on_result(self, topic_name: str, payload: bytes) -> None:
        body = self._open(topic_name, payload)
        if body is None:
            return
        with self._lock:
            view = self.lanes.get(body["lane"])
            if view is not None:
                view.last_result = body["data"]
        if view is not None:
            for listener in list(self.listeners):
                listener(view)

    def command(self, lane: str, action: str, operator: str, intervention: str | None = None) -> str:
        """Send one signed command; returns its nonce (the lane's result names it)."""
        data: dict[str, Any] = {"action": action, "operator": operator}
        if intervention is not None:
            data["intervention"] = intervention
        sealed = self.signer.seal("command", lane, data)
        self.transport.publish(topic(self.prefix, lane, "commands"), sealed)
        return json.loads(sealed)["body"]["nonce"]

    def approve(self, lane: str, intervention: str, operator: str, approve: bool = True) -> str:
        return self.command(lane, "approve" if approve else "refuse", operator, intervention)

    def close(self) -> None:
        pass


def new_prefix(store: str) -> str:
    """A topic prefix for a store (letters, digits, dashes); tests add a random part so parallel runs never meet."""
    clean = "".join(ch if ch.isalnum() or ch == "-" else "-" for ch in store) or "store"
    return f"edgepos/{clean}"


def client_id(role: str) -> str:
    return f"edgepos-{role}-{uuid.uuid4().hex[:10]}"
