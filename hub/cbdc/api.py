"""The hub's digital-currency endpoints (protocol v1, bodies in sync.cbdc_api) over a CbdcOperator.

Terminal endpoints are signed like every terminal request and idempotent under their Idempotency-Key (the payment
and the stored answer commit in one transaction); the till learns that a merchant-presented QR was paid by
long-polling its order. Wallet endpoints carry the wallet's own signature; admin endpoints the hub's bearer token.
"""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import Callable
from typing import Annotated, Any, TypeVar, cast

from fastapi import Depends, FastAPI, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response
from pydantic import BaseModel, ValidationError

from hub.cbdc.ledger import CbdcConfig
from hub.cbdc.operator import CbdcOperator, ReferenceOperator
from hub.clock import Clock
from hub.errors import HubError
from hub.store import Store
from sync.cbdc_api import (
    ISSUER_PATH,
    CbdcPaymentResponse,
    CbdcRefundRequest,
    CodePaymentRequest,
    DeviceCreate,
    DeviceInfo,
    DeviceLoad,
    DeviceRevoke,
    ExceptionRecord,
    IssuerResponse,
    LoadResponse,
    MerchantWallet,
    OrderRequest,
    OrderResponse,
    OrderStatus,
    Statement,
    WalletCreate,
    WalletFund,
    WalletInfo,
    WalletPayOrder,
)
from sync.protocol import API_PREFIX

M = TypeVar("M", bound=BaseModel)
ISSUER_SECRET_ENV = "EDGEPOS_CBDC_ISSUER_SECRET"  # seals the issuer key in the database (default: the admin token)
MAX_WAIT_S = 30.0
POLL_S = 0.05
REQUEST_MODELS: list[type[BaseModel]] = [CodePaymentRequest, OrderRequest, CbdcRefundRequest, WalletPayOrder,
                                         WalletCreate, WalletFund, DeviceCreate, DeviceLoad, DeviceRevoke,
                                         MerchantWallet]


def _parse(model: type[M], body: bytes) -> M:
    try:
        return model.model_validate_json(body)
    except ValidationError as exc:
        raise RequestValidationError(exc.errors(include_url=False, include_context=False)) from None


def _json(model: BaseModel, status: int = 200) -> Response:
    return Response(content=model.model_dump_json(), status_code=status, media_type="application/json")


def _list(items: list[Any]) -> Response:
    return Response(content=b"[" + b",".join(i.model_dump_json().encode() for i in items) + b"]",
                    media_type="application/json")


def register(app: FastAPI, store: Store, secret: str, clock: Clock, signed: Any, admin: Any,
             doc: Callable[..., dict[str, Any]], body_doc: Callable[[type[BaseModel]], dict[str, Any]],
             errors: dict[int, Any], operator: CbdcOperator | None = None, config: CbdcConfig | None = None
             ) -> CbdcOperator:
    """Add the CBDC endpoints to the hub's app. `signed` / `admin` are the hub's own dependencies (hub.app)."""
    if operator is not None:
        op = operator
    elif store is None:  # the app built only for its OpenAPI document (hub.openapi): no requests come
        op = cast(CbdcOperator, None)
    else:  # the issuer key is sealed with $EDGEPOS_CBDC_ISSUER_SECRET, else the admin token
        sealing = os.environ.get(ISSUER_SECRET_ENV) or secret
        op = ReferenceOperator(store.read, store.view, sealing.encode(), config)
    app.state.cbdc = op
    SignedDep = Depends(signed)
    Admin = Depends(admin)
    prefix = f"{API_PREFIX}/cbdc"

    @app.get(f"{API_PREFIX}{ISSUER_PATH}", response_model=IssuerResponse, responses=errors, tags=["cbdc"],
             openapi_extra=doc())
    def issuer(request: Any = SignedDep) -> Response:
        """The issuer's public key: the till checks hard-wallet certificates offline with it."""
        return _json(op.issuer())

    @app.post(f"{prefix}/code-payments", response_model=CbdcPaymentResponse, responses=errors, tags=["cbdc"],
              openapi_extra=doc(CodePaymentRequest))
    def pay_code(request: Any = SignedDep) -> Response:
        """Pay with a customer-presented payment code; declines answer 200 with status `declined` and a code."""
        order = _parse(CodePaymentRequest, request.body)
        terminal = request.terminal
        reply = store.once(request.idempotency, lambda tx: op.pay_code(tx, terminal.id, terminal.merchant_id,
                                                                       order, clock()))
        return Response(reply.body, status_code=reply.status, media_type="application/json")

    @app.post(f"{prefix}/orders", response_model=OrderResponse, responses=errors, tags=["cbdc"],
              openapi_extra=doc(OrderRequest))
    def create_order(request: Any = SignedDep) -> Response:
        """A merchant-presented QR: the till shows `qr`, the customer's wallet pays it."""
        order = _parse(OrderRequest, request.body)
        terminal = request.terminal
        reply = store.once(request.idempotency, lambda tx: op.create_order(tx, terminal.id, terminal.merchant_id,
                                                                           order, clock()))
        return Response(reply.body, status_code=reply.status, media_type="application/json")

    @app.get(f"{prefix}/orders/{{order_id}}", response_model=OrderResponse, responses=errors, tags=["cbdc"],
             openapi_extra=doc())
    async def get_order(order_id: str, wait: Annotated[float, Query(ge=0, le=MAX_WAIT_S)] = 0,
                        request: Any = SignedDep) -> Response:
        """The order's state; with `wait` the answer waits up to that many seconds for it to leave `open`."""
        deadline = time.monotonic() + wait
        while True:
            answer = await run_in_threadpool(op.order, request.terminal.id, order_id[:64], clock())
            if answer.status != OrderStatus.OPEN or time.monotonic() >= deadline:
                return _json(answer)
            await asyncio.sleep(POLL_S)

    @app.post(f"{prefix}/orders/{{order_id}}/cancel", response_model=OrderResponse, responses=errors,
              tags=["cbdc"], openapi_extra=doc())
    def cancel_order(order_id: str, request: Any = SignedDep) -> Response:
        terminal = request.terminal
        reply = store.once(request.idempotency, lambda tx: op.cancel_order(tx, terminal.id, order_id[:64], clock()))
        return Response(reply.body, status_code=reply.status, media_type="application/json")

    @app.post(f"{prefix}/refunds", response_model=CbdcPaymentResponse, responses=errors, tags=["cbdc"],
              openapi_extra=doc(CbdcRefundRequest))
    def refund(request: Any = SignedDep) -> Response:
        """Give (part of) a payment back to the wallet that paid it."""
        order = _parse(CbdcRefundRequest, request.body)
        terminal = request.terminal
        reply = store.once(request.idempotency, lambda tx: op.refund(tx, terminal.id, terminal.merchant_id, order,
                                                                     clock()))
        return Response(reply.body, status_code=reply.status, media_type="application/json")

    @app.post(f"{prefix}/wallet/pay-order", response_model=OrderResponse, responses=errors, tags=["cbdc wallet"],
              openapi_extra=body_doc(WalletPayOrder))
    async def pay_order(request: Request) -> Response:
        """A wallet pays a merchant order it scanned (signed by the wallet's key)."""
        order = _parse(WalletPayOrder, await request.body())
        return _json(await run_in_threadpool(op.pay_order, order, clock()))

    # --- admin ----------------------------------------------------------------------------------------------------

    async def admin_body(request: Request, model: type[M]) -> M:
        return _parse(model, await request.body())

    @app.get(f"{API_PREFIX}/admin/cbdc/issuer", response_model=IssuerResponse, responses=errors,
             tags=["cbdc admin"], dependencies=[Admin])
    def admin_issuer() -> Response:
        """The issuer's public key (hard wallets are personalised with it)."""
        return _json(op.issuer())

    @app.post(f"{API_PREFIX}/admin/cbdc/wallets", response_model=WalletInfo, status_code=201, responses=errors,
              tags=["cbdc admin"], dependencies=[Admin], openapi_extra=body_doc(WalletCreate))
    async def create_wallet(request: Request) -> Response:
        created = await admin_body(request, WalletCreate)
        return _json(await run_in_threadpool(op.create_wallet, created, clock()), 201)

    @app.get(f"{API_PREFIX}/admin/cbdc/wallets/{{wallet_no}}", response_model=WalletInfo, responses=errors,
             tags=["cbdc admin"], dependencies=[Admin])
    def wallet(wallet_no: str) -> Response:
        return _json(op.wallet(wallet_no[:16], clock()))

    @app.post(f"{API_PREFIX}/admin/cbdc/wallets/{{wallet_no}}/fund", response_model=WalletInfo, responses=errors,
              tags=["cbdc admin"], dependencies=[Admin], openapi_extra=body_doc(WalletFund))
    async def fund(request: Request, wallet_no: str) -> Response:
        order = await admin_body(request, WalletFund)
        return _json(await run_in_threadpool(op.fund_wallet, wallet_no[:16], order.amount.amount, clock()))

    @app.post(f"{API_PREFIX}/admin/cbdc/devices", response_model=DeviceInfo, status_code=201, responses=errors,
              tags=["cbdc admin"], dependencies=[Admin], openapi_extra=body_doc(DeviceCreate))
    async def create_device(request: Request) -> Response:
        created = await admin_body(request, DeviceCreate)
        return _json(await run_in_threadpool(op.create_device, created, clock()), 201)

    @app.get(f"{API_PREFIX}/admin/cbdc/devices/{{device_id}}", response_model=DeviceInfo, responses=errors,
             tags=["cbdc admin"], dependencies=[Admin])
    def device(device_id: str) -> Response:
        return _json(op.device(device_id[:16]))

    @app.post(f"{API_PREFIX}/admin/cbdc/devices/{{device_id}}/load", response_model=LoadResponse,
              responses=errors, tags=["cbdc admin"], dependencies=[Admin], openapi_extra=body_doc(DeviceLoad))
    async def load(request: Request, device_id: str) -> Response:
        order = await admin_body(request, DeviceLoad)
        return _json(await run_in_threadpool(op.load_device, device_id[:16], order.amount.amount, clock()))

    @app.post(f"{API_PREFIX}/admin/cbdc/devices/{{device_id}}/revoke", response_model=DeviceInfo,
              responses=errors, tags=["cbdc admin"], dependencies=[Admin], openapi_extra=body_doc(DeviceRevoke))
    async def revoke(request: Request, device_id: str) -> Response:
        order = await admin_body(request, DeviceRevoke)
        return _json(await run_in_threadpool(op.revoke_device, device_id[:16], order.reason, clock()))

    @app.put(f"{API_PREFIX}/admin/cbdc/merchants/{{merchant_id}}", response_model=MerchantWallet,
             responses=errors, tags=["cbdc admin"], dependencies=[Admin], openapi_extra=body_doc(MerchantWallet))
    async def merchant_wallet(request: Request, merchant_id: str) -> Response:
        """Link the merchant wallet to a bank account and set the cap above which it sweeps there."""
        settings = await admin_body(request, MerchantWallet)
        return _json(await run_in_threadpool(op.set_merchant_wallet, merchant_id[:64], settings))

    @app.get(f"{API_PREFIX}/admin/cbdc/statement", response_model=Statement, responses=errors,
             tags=["cbdc admin"], dependencies=[Admin])
    def statement(merchant: str, day: str) -> Response:
        """One merchant's digital-currency day: received, refunded, reversed double spends, swept, balance."""
        if len(day) != 10 or len(merchant) > 64:
            raise HubError("day must be YYYY-MM-DD and merchant at most 64 characters", code="invalid_request")
        return _json(op.statement(merchant, day))

    @app.get(f"{API_PREFIX}/admin/exceptions", response_model=list[ExceptionRecord], responses=errors,
             tags=["admin"], dependencies=[Admin])
    def exceptions(merchant: str | None = None) -> Response:
        """Exception records for the back office (kind + detail), e.g. reversed digital-currency double spends."""
        return _list(op.exceptions(merchant[:64] if merchant else None))

    return op
