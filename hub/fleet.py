"""Fleet management at the hub: terminals' health, last seen, group; remote actions run at each one's next sync.

Every sync a terminal checks in (`POST /v1/fleet/checkin`, signed) with its health; the answer carries the actions
queued for it (re-sync, send logs, rotate its key, reload config, retire, update), re-sent until the terminal
reports each one done. Retiring is two steps: the administrator queues it (the terminal stops selling and drains its
queue), then the terminal's last signed request says which record it holds last; the hub ends the retirement only
when it holds that record too (no queued sale lost), and from then on refuses the terminal's key.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Callable
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response
from pydantic import Field, StringConstraints

from hub.backend import Tx
from hub.clock import iso
from hub.errors import Conflict, NotFound
from hub.terminals import Terminal, load_terminal
from sync.fleet_protocol import (
    Action,
    CheckinResponse,
    HealthReport,
    LogsUpload,
    ParamValue,
    RemoteAction,
    RetiredRequest,
    RotateKeyRequest,
    rotation_message,
)
from sync.protocol import API_PREFIX, Message

Group = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9._-]{1,40}$")]


class ActionRequest(Message):
    action: Action
    params: dict[Annotated[str, StringConstraints(max_length=40)], ParamValue] = Field(default_factory=dict)


class GroupRequest(Message):
    group: Group


class RolloutRequest(Message):
    group: Group
    version: Annotated[str, StringConstraints(pattern=r"^[0-9][A-Za-z0-9.+~-]{0,40}$")]


class Rollout(Message):
    group: str
    version: str
    queued: list[str]  # terminal ids that get the update action at their next sync


class FleetTerminal(Message):
    terminal_id: str
    merchant_id: str
    group: str
    enrolled_at: str
    last_seen_at: str | None
    last_seq: int
    state: str  # active, retiring, retired
    health: dict[str, Any] | None
    open_actions: list[str]


class ActionState(Message):
    id: str
    terminal_id: str
    action: str
    state: str
    created_at: str
    done_at: str | None
    result: str | None


def _ensure(tx: Tx, terminal_id: str) -> None:
    tx.run("INSERT INTO fleet_terminals (terminal_id) VALUES (?) ON CONFLICT (terminal_id) DO NOTHING",
           (terminal_id,))


def is_retired(tx: Tx, terminal_id: str) -> bool:
    row = tx.one("SELECT retired_at FROM fleet_terminals WHERE terminal_id = ?", (terminal_id,))
    return bool(row and row[0])


def checkin(tx: Tx, terminal: Terminal, report: HealthReport, now: datetime) -> CheckinResponse:
    _ensure(tx, terminal.id)
    health = report.model_dump(mode="json", exclude={"done"})
    tx.run("UPDATE fleet_terminals SET last_seen_at = ?, health = ? WHERE terminal_id = ?",
           (iso(now), json.dumps(health, sort_keys=True), terminal.id))
    for result in report.done:
        tx.run("UPDATE fleet_actions SET state = ?, done_at = ?, result = ? WHERE id = ? AND terminal_id = ? "
               "AND state IN ('queued', 'sent') AND action <> 'retire'",
               ("done" if result.ok else "failed", iso(now), result.detail, result.id, terminal.id))
    rows = tx.all("SELECT id, action, params FROM fleet_actions WHERE terminal_id = ? AND state IN ('queued', 'sent') "
                  "ORDER BY created_at, id", (terminal.id,))
    tx.run("UPDATE fleet_actions SET state = 'sent', sent_at = ? WHERE terminal_id = ? AND state = 'queued'",
           (iso(now), terminal.id))
    return CheckinResponse(actions=[RemoteAction(id=r[0], action=r[1], params=json.loads(r[2])) for r in rows])


def queue_action(tx: Tx, terminal_id: str, request: ActionRequest, now: datetime) -> ActionState:
    if load_terminal(tx, terminal_id) is None:
        raise NotFound(f"terminal {terminal_id} is not enrolled here", code="unknown_terminal")
    _ensure(tx, terminal_id)
    if is_retired(tx, terminal_id):
        raise Conflict(f"terminal {terminal_id} is retired; it runs no more actions", code="terminal_retired")
    action_id = f"A-{secrets.token_hex(8)}"
    tx.run("INSERT INTO fleet_actions (id, terminal_id, action, params, state, created_at) VALUES (?, ?, ?, ?, "
           "'queued', ?)", (action_id, terminal_id, request.action, json.dumps(request.params, sort_keys=True),
                            iso(now)))
    if request.action == "retire":
        tx.run("UPDATE fleet_terminals SET retire_requested_at = ? WHERE terminal_id = ?", (iso(now), terminal_id))
    return ActionState(id=action_id, terminal_id=terminal_id, action=request.action, state="queued",
                       created_at=iso(now), done_at=None, result=None)


def actions_of(tx: Tx, terminal_id: str) -> list[ActionState]:
    rows = tx.all("SELECT id, terminal_id, action, state, created_at, done_at, result FROM fleet_actions "
                  "WHERE terminal_id = ? ORDER BY created_at, id", (terminal_id,))
    return [ActionState(id=r[0], terminal_id=r[1], action=r[2], state=r[3], created_at=r[4], done_at=r[5],
                        result=r[6]) for r in rows]


def complete_retirement(tx: Tx, terminal: Terminal, request: RetiredRequest, now: datetime) -> ActionState:
    """The terminal's last word: the hub must hold every record it has (else 409: send them first)."""
    tx.lock_terminal(terminal.id)
    row = tx.one("SELECT state FROM fleet_actions WHERE id = ? AND terminal_id = ? AND action = 'retire'",
                 (request.action_id, terminal.id))
    if row is None:
        raise NotFound("no retirement was asked for this terminal", code="no_retirement")
    held = load_terminal(tx, terminal.id)
    assert held is not None
    if held.last_seq != request.last_seq:
        raise Conflict(f"the hub holds records up to {held.last_seq}, the terminal up to {request.last_seq}: send "
                       "the queue first; the terminal is not retired yet", code="queue_not_drained")
    tx.run("UPDATE fleet_terminals SET retired_at = ? WHERE terminal_id = ?", (iso(now), terminal.id))
    tx.run("UPDATE fleet_actions SET state = 'done', done_at = ?, result = ? WHERE id = ?",
           (iso(now), f"retired with {held.last_seq} records held by the hub", request.action_id))
    return ActionState(id=request.action_id, terminal_id=terminal.id, action="retire", state="done",
                       created_at=iso(now), done_at=iso(now), result=f"retired at record {held.last_seq}")


def rotate_key(tx: Tx, terminal: Terminal, request: RotateKeyRequest, now: datetime) -> ActionState:
    """Replace the terminal's key once the hub holds every record the current key signed (409 otherwise); the old
    key is kept in fleet_key_history (records up to `until_seq` verify with it) and refused for requests."""
    from sync.crypto import CryptoError, Sm2PublicKey

    tx.lock_terminal(terminal.id)
    row = tx.one("SELECT state FROM fleet_actions WHERE id = ? AND terminal_id = ? AND action = 'rotate_key'",
                 (request.action_id, terminal.id))
    if row is None or row[0] not in ("queued", "sent"):
        raise NotFound("no key rotation is pending for this terminal", code="no_rotation")
    held = load_terminal(tx, terminal.id)
    assert held is not None
    if held.public_key != terminal.public_key:
        raise Conflict("the key was rotated already", code="rotated_already")
    if held.last_seq != request.last_seq:
        raise Conflict(f"the hub holds records up to {held.last_seq}, the terminal up to {request.last_seq}: send "
                       "them first; the key was not rotated", code="queue_not_drained")
    try:
        ok = Sm2PublicKey(bytes.fromhex(request.new_public_key)).verify(
            bytes.fromhex(request.proof), rotation_message(terminal.id, held.public_key.hex(), request.new_public_key))
    except CryptoError:
        ok = False
    if not ok:
        raise Conflict("the new key's proof does not verify; the key was not rotated", code="bad_proof")
    tx.run("INSERT INTO fleet_key_history (terminal_id, public_key, until_seq, retired_at) VALUES (?, ?, ?, ?)",
           (terminal.id, held.public_key.hex(), held.last_seq, iso(now)))
    tx.run("UPDATE terminals SET public_key = ? WHERE id = ?", (request.new_public_key, terminal.id))
    detail = f"key rotated after record {held.last_seq}"
    tx.run("UPDATE fleet_actions SET state = 'done', done_at = ?, result = ? WHERE id = ?",
           (iso(now), detail, request.action_id))
    return ActionState(id=request.action_id, terminal_id=terminal.id, action="rotate_key", state="done",
                       created_at=iso(now), done_at=iso(now), result=detail)


def fleet(tx: Tx, merchant_id: str | None = None) -> list[FleetTerminal]:
    where, params = ("WHERE t.merchant_id = ?", (merchant_id,)) if merchant_id else ("", ())
    rows = tx.all("SELECT t.id, t.merchant_id, t.enrolled_at, t.last_seq, f.group_name, f.last_seen_at, f.health, "
                  "f.retire_requested_at, f.retired_at FROM terminals t LEFT JOIN fleet_terminals f ON "
                  f"f.terminal_id = t.id {where} ORDER BY t.id", params)
    open_rows = tx.all("SELECT terminal_id, action FROM fleet_actions WHERE state IN ('queued', 'sent') "
                       "ORDER BY created_at")
    open_actions: dict[str, list[str]] = {}
    for terminal_id, action in open_rows:
        open_actions.setdefault(terminal_id, []).append(action)
    return [FleetTerminal(terminal_id=r[0], merchant_id=r[1], enrolled_at=r[2], last_seq=r[3], group=r[4] or "default",
                          last_seen_at=r[5], health=json.loads(r[6]) if r[6] else None,
                          state="retired" if r[8] else "retiring" if r[7] else "active",
                          open_actions=open_actions.get(r[0], [])) for r in rows]


def set_group(tx: Tx, terminal_id: str, group: str) -> FleetTerminal:
    if load_terminal(tx, terminal_id) is None:
        raise NotFound(f"terminal {terminal_id} is not enrolled here", code="unknown_terminal")
    _ensure(tx, terminal_id)
    tx.run("UPDATE fleet_terminals SET group_name = ? WHERE terminal_id = ?", (group, terminal_id))
    return next(t for t in fleet(tx) if t.terminal_id == terminal_id)


def _version_key(version: str) -> tuple[tuple[int, str], ...]:
    """An order for release versions (1.10 after 1.9): numeric parts as numbers, the rest as text."""
    import re

    return tuple((int(part), "") if part.isdigit() else (-1, part) for part in re.split(r"[.+~-]", version))


def rollout(tx: Tx, request: RolloutRequest, now: datetime) -> Rollout:
    """Queue an `update` to `version` for every active terminal of `group` (a staged rollout goes group by group:
    pilot first, then the rest). Versions only go up: a version not above the group's last rollout is refused."""
    tx.lock_name(f"rollout:{request.group}")
    members = [r[0] for r in tx.all("SELECT f.terminal_id FROM fleet_terminals f WHERE f.group_name = ? AND "
                                    "f.retired_at IS NULL AND f.retire_requested_at IS NULL ORDER BY f.terminal_id",
                                    (request.group,))]
    if not members:
        raise NotFound(f"no active terminal is in group {request.group}", code="empty_group")
    earlier = [json.loads(r[0]).get("version", "") for r in tx.all(
        "SELECT a.params FROM fleet_actions a JOIN fleet_terminals f ON f.terminal_id = a.terminal_id WHERE "
        "f.group_name = ? AND a.action = 'update'", (request.group,))]
    highest = max(earlier, key=_version_key, default=None)
    if highest is not None and _version_key(request.version) <= _version_key(highest):
        raise Conflict(f"group {request.group} was rolled out {highest} already; versions only go up",
                       code="version_not_higher")
    for terminal_id in members:
        queue_action(tx, terminal_id, ActionRequest(action="update", params={"version": request.version}), now)
    return Rollout(group=request.group, version=request.version, queued=members)


def store_logs(tx: Tx, terminal: Terminal, upload: LogsUpload, now: datetime) -> ActionState:
    tx.run("INSERT INTO fleet_logs (terminal_id, received_at, action_id, body) VALUES (?, ?, ?, ?) "
           "ON CONFLICT (terminal_id, action_id) DO NOTHING", (terminal.id, iso(now), upload.action_id, upload.text))
    return ActionState(id=upload.action_id, terminal_id=terminal.id, action="send_logs", state="received",
                       created_at=iso(now), done_at=iso(now), result=f"{len(upload.text)} characters")


def logs_of(tx: Tx, terminal_id: str) -> list[dict[str, str]]:
    return [{"action_id": r[0], "received_at": r[1], "text": r[2]} for r in tx.all(
        "SELECT action_id, received_at, body FROM fleet_logs WHERE terminal_id = ? ORDER BY received_at",
        (terminal_id,))]


# --- routes ----------------------------------------------------------------------------------------------------------


def _json(model: Message | list[Any]) -> Response:
    if isinstance(model, list):
        body = "[" + ",".join(m.model_dump_json() for m in model) + "]"
    else:
        body = model.model_dump_json()
    return Response(body, media_type="application/json")


def router(store: Any, signed: Callable[..., Any], admin: Callable[..., Any],
           parse: Callable[[type[Any], bytes], Any]) -> APIRouter:
    routes = APIRouter()

    def write(action: Callable[[Tx], Any]) -> Any:
        return store.read(action)

    @routes.post(f"{API_PREFIX}/fleet/checkin", response_model=CheckinResponse, tags=["terminal"])
    def fleet_checkin(request: Any = Depends(signed)) -> Response:  # noqa: B008 (FastAPI's dependency idiom)
        """The terminal's health (every sync) and the actions queued for it."""
        report = parse(HealthReport, request.body)
        return _json(write(lambda tx: checkin(tx, request.terminal, report, store.clock())))

    @routes.post(f"{API_PREFIX}/fleet/retired", response_model=ActionState, tags=["terminal"])
    def fleet_retired(request: Any = Depends(signed)) -> Response:  # noqa: B008
        """A retiring terminal's last request: the hub holds all its records -> its key is refused from now on."""
        body = parse(RetiredRequest, request.body)
        done = write(lambda tx: complete_retirement(tx, request.terminal, body, store.clock()))
        store.forget_identity(request.terminal.id)
        return _json(done)

    @routes.post(f"{API_PREFIX}/fleet/rotate-key", response_model=ActionState, tags=["terminal"])
    def fleet_rotate_key(request: Any = Depends(signed)) -> Response:  # noqa: B008
        """Signed by the current key, with the new key's proof: from now on only the new key is accepted."""
        body = parse(RotateKeyRequest, request.body)
        done = write(lambda tx: rotate_key(tx, request.terminal, body, store.clock()))
        store.forget_identity(request.terminal.id)
        return _json(done)

    @routes.post(f"{API_PREFIX}/fleet/logs", response_model=ActionState, tags=["terminal"])
    def fleet_logs(request: Any = Depends(signed)) -> Response:  # noqa: B008
        upload = parse(LogsUpload, request.body)
        return _json(write(lambda tx: store_logs(tx, request.terminal, upload, store.clock())))

    @routes.get(f"{API_PREFIX}/admin/fleet", response_model=list[FleetTerminal], tags=["admin"],
                dependencies=[Depends(admin)])
    def fleet_list(merchant: str | None = None) -> Response:
        """Every terminal: group, last seen, state, last health report, open actions."""
        return _json(store.view(lambda tx: fleet(tx, merchant)))

    @routes.post(f"{API_PREFIX}/admin/fleet/{{terminal_id}}/actions", response_model=ActionState, status_code=201,
                 tags=["admin"], dependencies=[Depends(admin)])
    async def fleet_action(terminal_id: str, request: Request) -> Response:
        """Queue a remote action; the terminal runs it at its next sync."""
        body = parse(ActionRequest, await request.body())
        state = await run_in_threadpool(write, lambda tx: queue_action(tx, terminal_id, body, store.clock()))
        response = _json(state)
        response.status_code = 201
        return response

    @routes.get(f"{API_PREFIX}/admin/fleet/{{terminal_id}}/actions", response_model=list[ActionState],
                tags=["admin"], dependencies=[Depends(admin)])
    def fleet_actions(terminal_id: str) -> Response:
        return _json(store.view(lambda tx: actions_of(tx, terminal_id)))

    @routes.put(f"{API_PREFIX}/admin/fleet/{{terminal_id}}/group", response_model=FleetTerminal, tags=["admin"],
                dependencies=[Depends(admin)])
    async def fleet_group(terminal_id: str, request: Request) -> Response:
        body = parse(GroupRequest, await request.body())
        return _json(await run_in_threadpool(write, lambda tx: set_group(tx, terminal_id, body.group)))

    @routes.post(f"{API_PREFIX}/admin/fleet/rollout", response_model=Rollout, tags=["admin"],
                 dependencies=[Depends(admin)])
    async def fleet_rollout(request: Request) -> Response:
        """A software version for every active terminal of a group, installed at their next sync (signed package,
        versions only go up, rolled back by the terminal when it fails)."""
        body = parse(RolloutRequest, await request.body())
        return _json(await run_in_threadpool(write, lambda tx: rollout(tx, body, store.clock())))

    @routes.get(f"{API_PREFIX}/admin/fleet/{{terminal_id}}/logs", tags=["admin"], dependencies=[Depends(admin)])
    def fleet_logs_admin(terminal_id: str) -> Response:
        import json as _j

        return Response(_j.dumps(store.view(lambda tx: logs_of(tx, terminal_id))), media_type="application/json")

    return routes
