"""What every cloud provider shares: its key, base URL, HTTP client and resilience policy."""

from __future__ import annotations

from avatarium.providers.resilience import VendorCall
from avatarium.providers.spec import Setup


class Vendor:
    """Mixed into a vendor's LLM, TTS and STT providers; its id is the provider's it is built for."""

    def __init__(self, setup: Setup) -> None:
        self.id = setup.provider
        self._key = setup.api_key
        self._base = setup.base_url
        self._call = VendorCall(setup.provider, setup.http, setup.policy)

    @property
    def configured(self) -> bool:
        return bool(self._key)

    def bearer(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self._key}"} if self._key else {}
