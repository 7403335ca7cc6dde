"""Google Gemini: chat through streamGenerateContent. Its key is the vendor's own GEMINI_API_KEY."""

from avatarium.providers.base import ModelInfo
from avatarium.providers.google.llm import GeminiLLM
from avatarium.providers.spec import ProviderSpec

PROVIDER = ProviderSpec(
    id="google",
    name="Google Gemini",
    base_url="https://generativelanguage.googleapis.com",
    key_name="gemini",
    models=(
        ModelInfo("gemini-2.5-flash", "Gemini 2.5 Flash", 1048576),
        ModelInfo("gemini-2.5-pro", "Gemini 2.5 Pro", 1048576),
    ),
    llm=GeminiLLM,
)
