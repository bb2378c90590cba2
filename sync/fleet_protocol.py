"""The fleet part of the sync protocol: a terminal's health report at every sync, and remote actions it runs then.

`POST /v1/fleet/checkin` (signed) carries a `HealthReport` (versions, queue, devices, clock skew, last error, and
the results of actions run since the last check-in); the answer lists the actions queued for this terminal. An
action is re-sent until the terminal reports it done, so each one is run by id at most once on the terminal
(it keeps the ids it finished) and reported until the hub has the result.
`POST /v1/fleet/retired` (signed, the key's last use) ends a retirement once the hub holds every record.
`POST /v1/fleet/logs` (signed) answers a `send_logs` action; `POST /v1/fleet/rotate-key` (signed by the current key,
with the new key's proof) answers `rotate_key` once the hub holds every record the current key signed.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, StringConstraints

from sync.protocol import Message

Action = Literal["resync", "send_logs", "rotate_key", "reload_config", "retire", "update"]
ACTIONS: tuple[str, ...] = ("resync", "send_logs", "rotate_key", "reload_config", "retire", "update")
ActionId = Annotated[str, StringConstraints(pattern=r"^A-[0-9a-f]{16,32}$")]
Short = Annotated[str, StringConstraints(max_length=500)]
ParamValue = str | int | bool


class DeviceHealth(Message):
    name: Annotated[str, StringConstraints(max_length=100)]
    status: Literal["ok", "error"]
    advice: Short = ""


class ActionResult(Message):
    id: ActionId
    ok: bool
    detail: Short = ""


class HealthReport(Message):
    versions: dict[Annotated[str, StringConstraints(max_length=40)], Annotated[str, StringConstraints(max_length=80)]]
    head_seq: Annotated[int, Field(ge=0)]
    queue_pending: Annotated[int, Field(ge=0)]
    oldest_pending_age_s: float | None = None
    last_sync_at: Annotated[str, StringConstraints(max_length=40)] | None = None
    skew_ms: int | None = None
    last_error: Short | None = None
    devices: Annotated[list[DeviceHealth], Field(max_length=32)] = Field(default_factory=list)
    done: Annotated[list[ActionResult], Field(max_length=100)] = Field(default_factory=list)


class RemoteAction(Message):
    id: ActionId
    action: Action
    params: dict[Annotated[str, StringConstraints(max_length=40)], ParamValue] = Field(default_factory=dict)


class CheckinResponse(Message):
    actions: list[RemoteAction]


class RetiredRequest(Message):
    action_id: ActionId
    last_seq: Annotated[int, Field(ge=0)]


class RotateKeyRequest(Message):
    """Signed with the terminal's current key; `proof` is the new key's signature over `rotation_message`. The
    hub must hold every record up to `last_seq` (all signed with the current key): later ones use the new key."""

    action_id: ActionId
    new_public_key: Annotated[str, StringConstraints(pattern=r"^04[0-9a-f]{128}$")]
    proof: Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{128}$")]
    last_seq: Annotated[int, Field(ge=1)]


def rotation_message(terminal_id: str, old_public_hex: str, new_public_hex: str) -> bytes:
    return f"edgepos-key-rotation-v1\n{terminal_id}\n{old_public_hex}\n{new_public_hex}".encode()


class LogsUpload(Message):
    action_id: ActionId
    text: Annotated[str, StringConstraints(max_length=1_000_000)]
