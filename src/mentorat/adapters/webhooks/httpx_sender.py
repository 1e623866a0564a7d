"""`application.ports.WebhookSender` with httpx: one client (a pool of connections) per
dispatcher, every POST bounded by a timeout, redirects not followed.

httpx is imported by the first POST, not before: every served worker runs a dispatcher, and
one with no endpoint to deliver to does not carry the client's modules (about 10 MiB).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from mentorat import __version__
from mentorat.application.errors import DeliveryFailed

if TYPE_CHECKING:
    import httpx

USER_AGENT = f"mentorat-webhooks/{__version__}"


class HttpxWebhookSender:
    """`timeout`: seconds a POST may take in all (connecting, sending, the answer)."""

    def __init__(self, timeout: float) -> None:
        self._timeout = timeout
        self._client: httpx.AsyncClient | None = None

    async def post(self, url: str, body: bytes, headers: Mapping[str, str]) -> None:
        import httpx

        if self._client is None:
            self._client = httpx.AsyncClient(
                timeout=httpx.Timeout(self._timeout),
                follow_redirects=False,
                headers={"User-Agent": USER_AGENT},
            )
        try:
            response = await self._client.post(url, content=body, headers=dict(headers))
        except httpx.TimeoutException:
            raise DeliveryFailed(f"no answer within {self._timeout:g} s") from None
        except httpx.HTTPError as error:
            raise DeliveryFailed(f"{type(error).__name__}: {error}") from None
        if not response.is_success:
            raise DeliveryFailed(f"answered {response.status_code}")

    async def aclose(self) -> None:
        if self._client is not None:
            await self._client.aclose()
            self._client = None
