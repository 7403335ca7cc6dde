"""What every cloud provider shares: its key, base URL, HTTP client and resilience policy."""

from __future__ import annotations

import httpx

from avatarium.providers.resilience import Policy, VendorCall


class Vendor:
    """Mixed into the LLM and TTS providers of a vendor; `id` comes from the provider class."""

    id: str

    def __init__(
        self, api_key: str | None, base_url: str, client: httpx.AsyncClient, policy: Policy | None = None
    ) -> None:
        self._key = api_key
        self._base = base_url.rstrip("/")
        self._call = VendorCall(self.id, client, policy)

    @property
    def configured(self) -> bool:
        return bool(self._key)
