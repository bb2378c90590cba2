"""The checkout's CbdcPort over the hub: the digital-currency calls go through the signed hub client
(sync.hub_client.HubClient.signed) with its errors turned into the port's; the issuer key is kept in the till's sync
state once fetched, so offline hard-wallet checks work after one contact with the hub."""

from __future__ import annotations

import uuid
from typing import Any

from sync.cbdc_api import (
    ISSUER_PATH,
    CbdcPaymentResponse,
    CbdcRefundRequest,
    CodePaymentRequest,
    IssuerResponse,
    OrderRequest,
    OrderResponse,
)
from sync.hub_client import HubClient
from sync.protocol import PositiveAmount
from terminal.hub_link import translated

ISSUER_STATE_KEY = "cbdc_issuer_key"


class CbdcLink:
    """terminal.checkout.ports.CbdcPort for a till with a hub. `state` is the till's SyncState (get/update)."""

    def __init__(self, client: HubClient, state: Any) -> None:
        self.client, self.state = client, state

    def pay_code(self, payment_id: str, sale_id: str, code: str, amount: PositiveAmount,
                 budget_s: float = 2.0) -> CbdcPaymentResponse:
        request = CodePaymentRequest(payment_id=payment_id, sale_id=sale_id, code=code, amount=amount)
        with translated():
            return self.client.signed("POST", "/cbdc/code-payments", request, f"cbdc-pay:{payment_id}",
                                      CbdcPaymentResponse, budget_s)

    def create_order(self, order_id: str, sale_id: str, amount: PositiveAmount) -> OrderResponse:
        request = OrderRequest(order_id=order_id, sale_id=sale_id, amount=amount)
        with translated():
            return self.client.signed("POST", "/cbdc/orders", request, f"cbdc-order:{order_id}", OrderResponse, 5.0)

    def wait_order(self, order_id: str, wait_s: float) -> OrderResponse:
        with translated():
            return self.client.signed("GET", f"/cbdc/orders/{order_id}?wait={wait_s:g}", None,
                                      f"get:{uuid.uuid4().hex}", OrderResponse, wait_s + 5.0)

    def cancel_order(self, order_id: str) -> OrderResponse:
        with translated():
            return self.client.signed("POST", f"/cbdc/orders/{order_id}/cancel", None, f"cbdc-cancel:{order_id}",
                                      OrderResponse, 5.0)

    def refund(self, refund_id: str, payment_id: str, amount: PositiveAmount, reason: str,
               attempt: int = 0) -> CbdcPaymentResponse:
        """`attempt` > 0 asks again after a refusal (the hub keeps an answer per Idempotency-Key; the operator itself
        never refunds one refund id twice)."""
        request = CbdcRefundRequest(refund_id=refund_id, payment_id=payment_id, amount=amount, reason=reason)
        key = f"cbdc-refund:{refund_id}:{payment_id}" + (f":{attempt}" if attempt else "")
        with translated():
            return self.client.signed("POST", "/cbdc/refunds", request, key, CbdcPaymentResponse, 5.0)

    def issuer_key(self) -> bytes | None:
        """The operator's issuer key: kept from the first fetch; fetched now when not yet known (None: no hub)."""
        known = self.state.get(ISSUER_STATE_KEY)
        if known:
            return bytes.fromhex(known)
        try:
            with translated():
                answer = self.client.signed("GET", ISSUER_PATH, None, f"get:{uuid.uuid4().hex}", IssuerResponse, 2.0)
        except Exception:
            return None
        self.state.update(**{ISSUER_STATE_KEY: answer.issuer_public_key})
        return bytes.fromhex(answer.issuer_public_key)
